import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  AttrWriter, NLA_F_NESTED, attrString, attrU16, attrU16be, attrU32, attrU64, decodeAttrs, encodeAttrs, findAttr, nestedAttrs,
} from '../../../src/netlink/attributes.ts';

test('attribute layout matches libmnl: length excludes padding, payload padded to 4', () => {
  const b = new AttrWriter().string(3, 'eth0').u16(7, 0x1234).u16be(8, 80).finish();
  // IFLA_IFNAME "eth0\0": len 9 -> 12 bytes on the wire.
  assert.deepEqual([...b.subarray(0, 12)], [9, 0, 3, 0, 0x65, 0x74, 0x68, 0x30, 0, 0, 0, 0]);
  assert.deepEqual([...b.subarray(12, 20)], [6, 0, 7, 0, 0x34, 0x12, 0, 0]);
  assert.deepEqual([...b.subarray(20, 28)], [6, 0, 8, 0, 0, 80, 0, 0]);
  const d = decodeAttrs(b);
  assert.ok(d.ok);
  assert.equal(attrString(findAttr(d.value, 3)), 'eth0');
  assert.equal(attrU16(findAttr(d.value, 7)), 0x1234);
  assert.equal(attrU16be(findAttr(d.value, 8)), 80);
});

test('nested attributes carry the summed length and optional NLA_F_NESTED', () => {
  const b = new AttrWriter().nest(18, (w) => w.string(1, 'macvlan').nest(2, (x) => x.u32(1, 4)), true).finish();
  const top = decodeAttrs(b);
  assert.ok(top.ok);
  const li = top.value[0]!;
  assert.equal(li.type, 18);
  assert.equal(li.flags, NLA_F_NESTED);
  assert.equal(b.length, 4 + 12 + 4 + 8);
  const inner = nestedAttrs(li);
  assert.ok(inner.ok);
  assert.equal(attrString(findAttr(inner.value, 1)), 'macvlan');
  const data = nestedAttrs(findAttr(inner.value, 2)!);
  assert.ok(data.ok);
  assert.equal(attrU32(findAttr(data.value, 1)), 4);
});

test('any attribute list round-trips byte for byte, unknown types and flags included', () => {
  const attr = fc.record({
    type: fc.integer({ min: 0, max: 0x3fff }),
    flags: fc.constantFrom(0, 0x4000, 0x8000),
    data: fc.uint8Array({ maxLength: 40 }),
  });
  fc.assert(fc.property(fc.array(attr, { maxLength: 12 }), (attrs) => {
    const bytes = encodeAttrs(attrs);
    const back = decodeAttrs(bytes);
    assert.ok(back.ok);
    assert.deepEqual(back.value.map((a) => ({ type: a.type, flags: a.flags, data: Uint8Array.from(a.data) })), attrs.map((a) => ({ ...a })));
    assert.deepEqual(encodeAttrs(back.value), bytes);
  }));
});

test('malformed attribute bytes give a failure, never an exception', () => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
    const r = decodeAttrs(bytes);
    if (r.ok) for (const a of r.value) assert.ok(a.data.length <= bytes.length);
  }));
  const bad = Uint8Array.of(200, 0, 1, 0, 1, 2, 3, 4);
  const r = decodeAttrs(bad);
  assert.equal(r.ok, false);
  assert.equal(attrU32(undefined), undefined);
  assert.equal(attrU64({ type: 1, flags: 0, data: new Uint8Array(4) }), undefined);
});
