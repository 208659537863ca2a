// ktsnative: one generic socket class for everything keepalived-ts does below UDP/TCP.
//
// Theory of operation. JavaScript chooses (domain, type, protocol) and hands every address
// and option over as raw bytes or an int; all protocol knowledge (sockaddr layouts, cmsg
// meaning, netlink, ARP...) lives in TypeScript (src/os/native-socket.ts). This file only
// owns the file descriptor and a uv_poll handle: when the socket is readable it drains it
// with recvmsg(MSG_DONTWAIT|MSG_TRUNC) and calls onMessage(bytes, fromSockaddr, cmsgs, flags)
// once per datagram, where cmsgs is a flat array [level, type, data, level, type, data...].
//
// Errors never abort the process: C++ exceptions are disabled (NAPI_DISABLE_CPP_EXCEPTIONS),
// every system call reports failure as an errno returned to JS, and receive-side errors
// (ENOBUFS on an overrun netlink socket, ICMP errors on raw sockets) go to onError(errno) while
// polling continues. libuv stops a poll handle on POLLERR (src/unix/poll.c, uv__poll_io: it
// calls back with UV_EBADF); we read and clear SO_ERROR, report it and restart the poll.
// A JS listener that throws is routed to process 'uncaughtException' via napi_fatal_exception.
#include <napi.h>
#include <uv.h>
#include <errno.h>
#include <net/if.h>
#include <sched.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/errqueue.h>
#include <linux/if_packet.h>
#include <linux/netlink.h>
#include <netinet/in.h>
#include <memory>
#include <vector>

namespace {

// Datagrams drained per readable event before yielding to the loop (libuv polls level-
// triggered, so anything left is picked up on the next iteration).
constexpr int kMaxPerWakeup = 64;

// Arguments are checked, never coerced: ToNumber() on a Symbol or BigInt would leave a
// pending JS exception that makes later N-API calls fail fatally (an abort).
bool Int(const Napi::CallbackInfo& info, size_t i, int64_t* out) {
  if (info.Length() <= i || !info[i].IsNumber()) return false;
  double d = info[i].As<Napi::Number>().DoubleValue();
  if (!(d >= -2147483648.0 && d <= 4294967295.0)) return false;  // NaN fails too
  *out = static_cast<int64_t>(d);
  return true;
}

class Socket : public Napi::ObjectWrap<Socket> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "Socket", {
        InstanceMethod<&Socket::SetOpt>("setsockopt"),
        InstanceMethod<&Socket::GetOpt>("getsockopt"),
        InstanceMethod<&Socket::Bind>("bind"),
        InstanceMethod<&Socket::Connect>("connect"),
        InstanceMethod<&Socket::SendTo>("sendto"),
        InstanceMethod<&Socket::GetName>("getsockname"),
        InstanceMethod<&Socket::Start>("start"),
        InstanceMethod<&Socket::Stop>("stop"),
        InstanceMethod<&Socket::RefH>("ref"),
        InstanceMethod<&Socket::UnrefH>("unref"),
        InstanceMethod<&Socket::Close>("close"),
        InstanceAccessor<&Socket::Fd>("fd"),
    });
  }

  // new Socket(domain, type, protocol, onMessage, onError, recvBufferBytes)
  // Throws a JS Error carrying .errno if socket(2) fails; nothing else throws.
  explicit Socket(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Socket>(info) {
    Napi::Env env = info.Env();
    int64_t domain, type, protocol, bufBytes;
    if (!Int(info, 0, &domain) || !Int(info, 1, &type) || !Int(info, 2, &protocol) ||
        info.Length() < 6 || !info[3].IsFunction() || !info[4].IsFunction() || !Int(info, 5, &bufBytes)) {
      Napi::TypeError::New(env, "Socket(domain, type, protocol, onMessage, onError, bufBytes)")
          .ThrowAsJavaScriptException();
      return;
    }
    buf_.resize(bufBytes < 2048 ? 2048 : bufBytes > (1 << 24) ? (1 << 24) : static_cast<size_t>(bufBytes));
    fd_ = ::socket(static_cast<int>(domain), static_cast<int>(type) | SOCK_NONBLOCK | SOCK_CLOEXEC,
                   static_cast<int>(protocol));
    if (fd_ < 0) {
      int e = errno;
      Napi::Error err = Napi::Error::New(env, strerror(e));
      err.Set("errno", Napi::Number::New(env, e));
      err.ThrowAsJavaScriptException();
      return;
    }
    uv_loop_t* loop = nullptr;
    napi_get_uv_event_loop(env, &loop);
    poll_ = new uv_poll_t;
    if (uv_poll_init_socket(loop, poll_, fd_) != 0) {
      delete poll_;
      poll_ = nullptr;
      ::close(fd_);
      fd_ = -1;
      Napi::Error::New(env, "uv_poll_init_socket failed").ThrowAsJavaScriptException();
      return;
    }
    poll_->data = this;
    onMessage_ = Napi::Persistent(info[3].As<Napi::Function>());
    onError_ = Napi::Persistent(info[4].As<Napi::Function>());
    ctx_ = std::make_unique<Napi::AsyncContext>(env, "ktsnative.Socket");
    Ref();  // an open socket is kept alive like any libuv handle; released by close()
  }

  ~Socket() override { DoClose(); }

 private:
  static Napi::Value Errno(Napi::Env env, int r) { return Napi::Number::New(env, r < 0 ? errno : 0); }

  static bool Bytes(const Napi::Value& v, const uint8_t** p, size_t* n) {
    if (!v.IsBuffer()) return false;
    auto b = v.As<Napi::Buffer<uint8_t>>();
    *p = b.Data();
    *n = b.Length();
    return true;
  }

  // setsockopt(level, optname, int | Buffer) -> 0 | errno
  Napi::Value SetOpt(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (fd_ < 0) return Napi::Number::New(env, EBADF);
    int64_t level, opt;
    if (!Int(info, 0, &level) || !Int(info, 1, &opt)) return Napi::Number::New(env, EINVAL);
    const uint8_t* p = nullptr;
    size_t n = 0;
    int64_t iv;
    if (Int(info, 2, &iv)) {
      int v = static_cast<int>(iv);
      return Errno(env, setsockopt(fd_, static_cast<int>(level), static_cast<int>(opt), &v, sizeof v));
    }
    if (info.Length() < 3 || !Bytes(info[2], &p, &n)) return Napi::Number::New(env, EINVAL);
    return Errno(env, setsockopt(fd_, static_cast<int>(level), static_cast<int>(opt), p, static_cast<socklen_t>(n)));
  }

  // getsockopt(level, optname, maxBytes) -> Buffer | errno
  Napi::Value GetOpt(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (fd_ < 0) return Napi::Number::New(env, EBADF);
    int64_t level, opt, max;
    if (!Int(info, 0, &level) || !Int(info, 1, &opt) || !Int(info, 2, &max) || max < 1 || max > 65536)
      return Napi::Number::New(env, EINVAL);
    std::vector<uint8_t> out(static_cast<size_t>(max));
    socklen_t len = static_cast<socklen_t>(out.size());
    if (getsockopt(fd_, static_cast<int>(level), static_cast<int>(opt), out.data(), &len) < 0)
      return Napi::Number::New(env, errno);
    return Napi::Buffer<uint8_t>::Copy(env, out.data(), len);
  }

  Napi::Value Bind(const Napi::CallbackInfo& info) { return AddrCall(info, ::bind); }
  Napi::Value Connect(const Napi::CallbackInfo& info) { return AddrCall(info, ::connect); }

  Napi::Value AddrCall(const Napi::CallbackInfo& info, int (*fn)(int, const sockaddr*, socklen_t)) {
    Napi::Env env = info.Env();
    if (fd_ < 0) return Napi::Number::New(env, EBADF);
    const uint8_t* p = nullptr;
    size_t n = 0;
    if (info.Length() < 1 || !Bytes(info[0], &p, &n)) return Napi::Number::New(env, EINVAL);
    return Errno(env, fn(fd_, reinterpret_cast<const sockaddr*>(p), static_cast<socklen_t>(n)));
  }

  // sendto(data, sockaddr | null) -> bytes sent (>= 0) | -errno. Never blocks.
  Napi::Value SendTo(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (fd_ < 0) return Napi::Number::New(env, -EBADF);
    const uint8_t *d = nullptr, *a = nullptr;
    size_t dn = 0, an = 0;
    if (info.Length() < 1 || !Bytes(info[0], &d, &dn)) return Napi::Number::New(env, -EINVAL);
    if (info.Length() > 1 && !info[1].IsNull() && !info[1].IsUndefined() && !Bytes(info[1], &a, &an))
      return Napi::Number::New(env, -EINVAL);
    ssize_t r;
    do {
      r = ::sendto(fd_, d, dn, MSG_DONTWAIT | MSG_NOSIGNAL, reinterpret_cast<const sockaddr*>(a),
                   static_cast<socklen_t>(an));
    } while (r < 0 && errno == EINTR);
    return Napi::Number::New(env, r < 0 ? -errno : static_cast<double>(r));
  }

  Napi::Value GetName(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    sockaddr_storage ss{};
    socklen_t len = sizeof ss;
    if (fd_ < 0) return Napi::Number::New(env, EBADF);
    if (getsockname(fd_, reinterpret_cast<sockaddr*>(&ss), &len) < 0) return Napi::Number::New(env, errno);
    return Napi::Buffer<uint8_t>::Copy(env, reinterpret_cast<uint8_t*>(&ss), len);
  }

  Napi::Value Start(const Napi::CallbackInfo& info) {
    if (fd_ >= 0 && !polling_) polling_ = uv_poll_start(poll_, UV_READABLE, OnPoll) == 0;
    return Napi::Boolean::New(info.Env(), polling_);
  }
  void Stop(const Napi::CallbackInfo&) {
    if (fd_ >= 0 && polling_) uv_poll_stop(poll_);
    polling_ = false;
  }
  void RefH(const Napi::CallbackInfo&) { if (poll_) uv_ref(reinterpret_cast<uv_handle_t*>(poll_)); }
  void UnrefH(const Napi::CallbackInfo&) { if (poll_) uv_unref(reinterpret_cast<uv_handle_t*>(poll_)); }
  void Close(const Napi::CallbackInfo&) {
    if (fd_ < 0) return;
    DoClose();
    Unref();
  }
  Napi::Value Fd(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), fd_); }

  // Idempotent: stops polling, hands the uv handle to uv_close (freed in its callback, so the
  // handle may outlive this object) and closes the descriptor.
  void DoClose() {
    if (poll_) {
      if (polling_) uv_poll_stop(poll_);
      poll_->data = nullptr;
      uv_close(reinterpret_cast<uv_handle_t*>(poll_),
               [](uv_handle_t* h) { delete reinterpret_cast<uv_poll_t*>(h); });
      poll_ = nullptr;
    }
    polling_ = false;
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

  static void OnPoll(uv_poll_t* h, int status, int /*events*/) {
    Socket* self = static_cast<Socket*>(h->data);
    if (self == nullptr) return;
    Napi::Env env = self->Env();
    Napi::HandleScope scope(env);
    if (status < 0) self->OnPollError();
    if (self->fd_ >= 0 && self->polling_) self->Drain();
  }

  // libuv stopped the handle; find out what the kernel wanted to say, then resume.
  void OnPollError() {
    polling_ = false;
    int soErr = 0;
    socklen_t len = sizeof soErr;
    if (getsockopt(fd_, SOL_SOCKET, SO_ERROR, &soErr, &len) < 0) {
      CallError(errno);  // the descriptor itself is unusable: report and stay stopped
      return;
    }
    if (soErr != 0) CallError(soErr);
    else DrainErrQueue();  // POLLERR also means "error queue not empty" (IP_RECVERR)
    if (fd_ >= 0 && uv_poll_start(poll_, UV_READABLE, OnPoll) == 0) polling_ = true;
  }

  static msghdr Msg(void* name, socklen_t nameLen, iovec* iov, void* ctrl, size_t ctrlLen) {
    msghdr m{};
    m.msg_name = name;
    m.msg_namelen = nameLen;
    m.msg_iov = iov;
    m.msg_iovlen = 1;
    m.msg_control = ctrl;
    m.msg_controllen = ctrlLen;
    return m;
  }

  void DrainErrQueue() {
    for (int i = 0; i < kMaxPerWakeup && fd_ >= 0; i++) {
      alignas(cmsghdr) uint8_t ctrl[512];
      uint8_t scratch[64];
      iovec iov{scratch, sizeof scratch};
      msghdr m = Msg(nullptr, 0, &iov, ctrl, sizeof ctrl);
      if (recvmsg(fd_, &m, MSG_ERRQUEUE | MSG_DONTWAIT) < 0) return;
      int e = EIO;
      for (cmsghdr* c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c))
        if (c->cmsg_len >= CMSG_LEN(sizeof(sock_extended_err)))
          e = static_cast<int>(reinterpret_cast<sock_extended_err*>(CMSG_DATA(c))->ee_errno);
      CallError(e);
    }
  }

  void Drain() {
    Napi::Env env = Env();
    for (int i = 0; i < kMaxPerWakeup && fd_ >= 0 && polling_; i++) {
      Napi::HandleScope scope(env);
      sockaddr_storage from{};
      alignas(cmsghdr) uint8_t ctrl[1024];
      iovec iov{buf_.data(), buf_.size()};
      msghdr m = Msg(&from, sizeof from, &iov, ctrl, sizeof ctrl);
      ssize_t n = recvmsg(fd_, &m, MSG_DONTWAIT | MSG_TRUNC);
      if (n < 0) {
        int e = errno;
        if (e == EAGAIN || e == EWOULDBLOCK) return;
        if (e != EINTR) CallError(e);  // e.g. ENOBUFS: reported, and we keep reading
        continue;
      }
      size_t got = static_cast<size_t>(n) < buf_.size() ? static_cast<size_t>(n) : buf_.size();
      Napi::Array cm = Napi::Array::New(env);
      uint32_t k = 0;
      if (m.msg_controllen > 0) {
        for (cmsghdr* c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c)) {
          size_t dl = c->cmsg_len - CMSG_LEN(0);
          cm.Set(k++, Napi::Number::New(env, c->cmsg_level));
          cm.Set(k++, Napi::Number::New(env, c->cmsg_type));
          cm.Set(k++, Napi::Buffer<uint8_t>::Copy(env, CMSG_DATA(c), dl));
        }
      }
      Call(onMessage_, {Napi::Buffer<uint8_t>::Copy(env, buf_.data(), got),
                        Napi::Buffer<uint8_t>::Copy(env, reinterpret_cast<uint8_t*>(&from),
                                                    m.msg_namelen),
                        cm, Napi::Number::New(env, m.msg_flags)});
    }
  }

  void CallError(int e) {
    Napi::HandleScope scope(Env());
    Call(onError_, {Napi::Number::New(Env(), e)});
  }

  void Call(Napi::FunctionReference& fn, const std::initializer_list<napi_value>& args) {
    Napi::Env env = Env();
    if (fn.IsEmpty()) return;
    fn.MakeCallback(Value(), args, *ctx_);
    if (env.IsExceptionPending()) {
      Napi::Error err = env.GetAndClearPendingException();
      napi_fatal_exception(env, err.Value());  // -> process 'uncaughtException', never abort
    }
  }

  int fd_ = -1;
  uv_poll_t* poll_ = nullptr;
  bool polling_ = false;
  std::vector<uint8_t> buf_;
  Napi::FunctionReference onMessage_, onError_;
  std::unique_ptr<Napi::AsyncContext> ctx_;
};

Napi::Value IfNameToIndex(const Napi::CallbackInfo& info) {
  if (info.Length() < 1 || !info[0].IsString()) return Napi::Number::New(info.Env(), 0);
  return Napi::Number::New(info.Env(), if_nametoindex(info[0].As<Napi::String>().Utf8Value().c_str()));
}

Napi::Value IfIndexToName(const Napi::CallbackInfo& info) {
  char name[IF_NAMESIZE + 1] = {0};
  int64_t idx;
  if (!Int(info, 0, &idx) || idx <= 0 || !if_indextoname(static_cast<unsigned>(idx), name))
    return info.Env().Undefined();
  return Napi::String::New(info.Env(), name);
}

// setns(fd, nstype) -> 0 | errno. Moves the CALLING thread (the JS thread) into the namespace
// behind fd; sockets opened afterwards live there for good (keepalived's net_namespace does
// the same). Callers switch back at once: see test/support/netns.ts withNetns().
Napi::Value SetNs(const Napi::CallbackInfo& info) {
  int64_t fd, nstype;
  if (!Int(info, 0, &fd) || !Int(info, 1, &nstype)) return Napi::Number::New(info.Env(), EINVAL);
  int r = setns(static_cast<int>(fd), static_cast<int>(nstype));
  return Napi::Number::New(info.Env(), r < 0 ? errno : 0);
}

// SignalWatch: a libuv signal handle on Node's loop, for the signals process.on cannot name
// (keepalived's SIGRTMIN+2 JSON dump is signal 36, which has no Node name). uv_signal_start
// accepts any catchable signal number; libuv's own handler only writes to a pipe, and the
// callback runs later on the loop, like any I/O callback, so JS never runs in signal context.
// While at least one watch of a signal is open its default action (terminate, for the real-time
// signals) is replaced; libuv restores SIG_DFL when the last one is closed.
// new SignalWatch(signum, callback) throws a TypeError for bad arguments and an Error with
// .errno when libuv refuses (EINVAL for SIGKILL, SIGSTOP or an out-of-range number).
class SignalWatch : public Napi::ObjectWrap<SignalWatch> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "SignalWatch", {
        InstanceMethod<&SignalWatch::CloseH>("close"),
        InstanceMethod<&SignalWatch::RefH>("ref"),
        InstanceMethod<&SignalWatch::UnrefH>("unref"),
        InstanceAccessor<&SignalWatch::Signum>("signum"),
    });
  }

  explicit SignalWatch(const Napi::CallbackInfo& info) : Napi::ObjectWrap<SignalWatch>(info) {
    Napi::Env env = info.Env();
    int64_t signum;
    if (!Int(info, 0, &signum) || signum < 1 || signum > 64 || info.Length() < 2 || !info[1].IsFunction()) {
      Napi::TypeError::New(env, "SignalWatch(signum 1..64, callback)").ThrowAsJavaScriptException();
      return;
    }
    uv_loop_t* loop = nullptr;
    napi_get_uv_event_loop(env, &loop);
    sig_ = new uv_signal_t;
    int r = uv_signal_init(loop, sig_);
    if (r != 0) {
      delete sig_;  // never initialised: libuv does not know it
      sig_ = nullptr;
    } else {
      sig_->data = this;
      r = uv_signal_start(sig_, OnSignal, static_cast<int>(signum));
      if (r != 0) DoClose();  // initialised: freed through uv_close
    }
    if (r != 0) {
      Napi::Error err = Napi::Error::New(env, uv_strerror(r));
      err.Set("errno", Napi::Number::New(env, -r));
      err.ThrowAsJavaScriptException();
      return;
    }
    signum_ = static_cast<int>(signum);
    callback_ = Napi::Persistent(info[1].As<Napi::Function>());
    ctx_ = std::make_unique<Napi::AsyncContext>(env, "ktsnative.SignalWatch");
    Ref();  // an open watch keeps its JS object alive; released by close()
  }

  ~SignalWatch() override { DoClose(); }

 private:
  void CloseH(const Napi::CallbackInfo&) {
    if (sig_ == nullptr) return;
    DoClose();
    Unref();
  }
  void RefH(const Napi::CallbackInfo&) { if (sig_) uv_ref(reinterpret_cast<uv_handle_t*>(sig_)); }
  void UnrefH(const Napi::CallbackInfo&) { if (sig_) uv_unref(reinterpret_cast<uv_handle_t*>(sig_)); }
  Napi::Value Signum(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), signum_); }

  // Idempotent; the uv handle is freed in its close callback, so it may outlive this object.
  void DoClose() {
    if (sig_ == nullptr) return;
    uv_signal_stop(sig_);
    sig_->data = nullptr;
    uv_close(reinterpret_cast<uv_handle_t*>(sig_), [](uv_handle_t* h) { delete reinterpret_cast<uv_signal_t*>(h); });
    sig_ = nullptr;
  }

  static void OnSignal(uv_signal_t* h, int signum) {
    SignalWatch* self = static_cast<SignalWatch*>(h->data);
    if (self == nullptr || self->callback_.IsEmpty()) return;
    Napi::Env env = self->Env();
    Napi::HandleScope scope(env);
    self->callback_.MakeCallback(self->Value(), {Napi::Number::New(env, signum)}, *self->ctx_);
    if (env.IsExceptionPending()) {
      Napi::Error err = env.GetAndClearPendingException();
      napi_fatal_exception(env, err.Value());  // -> process 'uncaughtException', never abort
    }
  }

  uv_signal_t* sig_ = nullptr;
  int signum_ = 0;
  Napi::FunctionReference callback_;
  std::unique_ptr<Napi::AsyncContext> ctx_;
};

// watchSignal(signum, callback) -> SignalWatch: the constructor behind a plain function.
Napi::Value WatchSignal(const Napi::CallbackInfo& info) {
  Napi::FunctionReference* ctor = info.Env().GetInstanceData<Napi::FunctionReference>();
  if (ctor == nullptr) return info.Env().Undefined();
  std::vector<napi_value> args;
  for (size_t i = 0; i < info.Length(); i++) args.push_back(info[i]);
  return ctor->New(args);
}

// The libc/kernel header values, exported only so a unit test can check the named constants
// in src/os/native-socket.ts against them (the TS table is what code uses).
Napi::Object Constants(Napi::Env env) {
  Napi::Object c = Napi::Object::New(env);
#define K(name) c.Set(#name, Napi::Number::New(env, name))
  K(AF_UNIX); K(AF_INET); K(AF_INET6); K(AF_NETLINK); K(AF_PACKET); K(SOCK_STREAM);
  K(SOCK_DGRAM); K(SOCK_RAW); K(SOL_SOCKET); K(SO_RCVBUF); K(SO_RCVBUFFORCE); K(SO_SNDBUF);
  K(SO_BINDTODEVICE); K(SO_REUSEADDR); K(SO_PRIORITY); K(SO_MARK); K(SO_ERROR); K(IPPROTO_IP);
  K(IP_TOS); K(IP_TTL); K(IP_HDRINCL); K(IP_PKTINFO); K(IP_RECVTTL); K(IP_MULTICAST_IF);
  K(IP_MULTICAST_TTL); K(IP_MULTICAST_LOOP); K(IP_ADD_MEMBERSHIP); K(IP_DROP_MEMBERSHIP);
  K(IP_MULTICAST_ALL); K(IP_RECVERR); K(IPPROTO_IPV6); K(IPV6_CHECKSUM); K(IPV6_UNICAST_HOPS);
  K(IPV6_MULTICAST_IF); K(IPV6_MULTICAST_HOPS); K(IPV6_MULTICAST_LOOP); K(IPV6_JOIN_GROUP);
  K(IPV6_LEAVE_GROUP); K(IPV6_RECVPKTINFO); K(IPV6_PKTINFO); K(IPV6_RECVHOPLIMIT);
  K(IPV6_HOPLIMIT); K(IPV6_V6ONLY); K(IPV6_MULTICAST_ALL); K(IPPROTO_ICMP); K(IPPROTO_ICMPV6);
  K(IPPROTO_RAW); K(SOL_NETLINK); K(NETLINK_ADD_MEMBERSHIP); K(NETLINK_DROP_MEMBERSHIP);
  K(NETLINK_NO_ENOBUFS); K(NETLINK_CAP_ACK); K(NETLINK_EXT_ACK); K(NETLINK_GET_STRICT_CHK);
  K(NETLINK_ROUTE); K(NETLINK_GENERIC); K(SOL_PACKET); K(PACKET_ADD_MEMBERSHIP); K(MSG_TRUNC);
  K(MSG_CTRUNC);
#undef K
  return c;
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("constants", Constants(env));
  exports.Set("Socket", Socket::Define(env));
  exports.Set("ifNameToIndex", Napi::Function::New<IfNameToIndex>(env));
  exports.Set("ifIndexToName", Napi::Function::New<IfIndexToName>(env));
  exports.Set("setns", Napi::Function::New<SetNs>(env));
  Napi::Function signalWatch = SignalWatch::Define(env);
  env.SetInstanceData(new Napi::FunctionReference(Napi::Persistent(signalWatch)));
  exports.Set("SignalWatch", signalWatch);
  exports.Set("watchSignal", Napi::Function::New<WatchSignal>(env));
  return exports;
}

}  // namespace

NODE_API_MODULE(ktsnative, Init)
