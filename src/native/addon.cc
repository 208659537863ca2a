// Placeholder translation unit so the addon target builds from the first commit;
// the socket class lands with the VRRP issue (see src/native/README in ARCHITECTURE.md).
#include <napi.h>
static Napi::Object Init(Napi::Env env, Napi::Object exports) { return exports; }
NODE_API_MODULE(ktsnative, Init)
