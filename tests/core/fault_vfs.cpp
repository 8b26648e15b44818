#include "fault_vfs.hpp"

#include <cstring>
#include <stdexcept>

namespace ocop::test {

namespace {

// Our file object: the header below, then the real VFS's file object.
struct ShimFile {
    sqlite3_file base;
    FaultVfs* owner;
    bool targeted;
    sqlite3_file* real() { return reinterpret_cast<sqlite3_file*>(this + 1); }
};

ShimFile* shim(sqlite3_file* f) {
    return reinterpret_cast<ShimFile*>(f);
}
sqlite3_file* real(sqlite3_file* f) {
    return shim(f)->real();
}
FaultVfs* owner(sqlite3_vfs* vfs) {
    return static_cast<FaultVfs*>(vfs->pAppData);
}

int shim_close(sqlite3_file* f) {
    return real(f)->pMethods->xClose(real(f));
}
int shim_read(sqlite3_file* f, void* buf, int n, sqlite3_int64 off) {
    return real(f)->pMethods->xRead(real(f), buf, n, off);
}
int shim_write(sqlite3_file* f, const void* buf, int n, sqlite3_int64 off) {
    if (shim(f)->targeted)
        if (const int rc = shim(f)->owner->failure_for(SQLITE_IOERR_WRITE); rc != SQLITE_OK)
            return rc;
    return real(f)->pMethods->xWrite(real(f), buf, n, off);
}
int shim_truncate(sqlite3_file* f, sqlite3_int64 size) {
    if (shim(f)->targeted)
        if (const int rc = shim(f)->owner->failure_for(SQLITE_IOERR_TRUNCATE); rc != SQLITE_OK)
            return rc;
    return real(f)->pMethods->xTruncate(real(f), size);
}
int shim_sync(sqlite3_file* f, int flags) {
    if (shim(f)->targeted)
        if (const int rc = shim(f)->owner->failure_for(SQLITE_IOERR_FSYNC); rc != SQLITE_OK)
            return rc;
    return real(f)->pMethods->xSync(real(f), flags);
}
int shim_file_size(sqlite3_file* f, sqlite3_int64* size) {
    return real(f)->pMethods->xFileSize(real(f), size);
}
int shim_lock(sqlite3_file* f, int level) {
    return real(f)->pMethods->xLock(real(f), level);
}
int shim_unlock(sqlite3_file* f, int level) {
    return real(f)->pMethods->xUnlock(real(f), level);
}
int shim_check_reserved(sqlite3_file* f, int* out) {
    return real(f)->pMethods->xCheckReservedLock(real(f), out);
}
int shim_file_control(sqlite3_file* f, int op, void* arg) {
    return real(f)->pMethods->xFileControl(real(f), op, arg);
}
int shim_sector_size(sqlite3_file* f) {
    return real(f)->pMethods->xSectorSize(real(f));
}
int shim_device_characteristics(sqlite3_file* f) {
    return real(f)->pMethods->xDeviceCharacteristics(real(f));
}
int shim_shm_map(sqlite3_file* f, int page, int size, int extend, void volatile** out) {
    return real(f)->pMethods->xShmMap(real(f), page, size, extend, out);
}
int shim_shm_lock(sqlite3_file* f, int offset, int n, int flags) {
    return real(f)->pMethods->xShmLock(real(f), offset, n, flags);
}
void shim_shm_barrier(sqlite3_file* f) {
    real(f)->pMethods->xShmBarrier(real(f));
}
int shim_shm_unmap(sqlite3_file* f, int delete_flag) {
    return real(f)->pMethods->xShmUnmap(real(f), delete_flag);
}
int shim_fetch(sqlite3_file* f, sqlite3_int64 off, int n, void** out) {
    return real(f)->pMethods->xFetch(real(f), off, n, out);
}
int shim_unfetch(sqlite3_file* f, sqlite3_int64 off, void* p) {
    return real(f)->pMethods->xUnfetch(real(f), off, p);
}

// One method table per io_methods version, so that SQLite sees the same capabilities (WAL shared
// memory: version 2, memory mapping: 3) as the real file offers.
sqlite3_io_methods methods_of_version(int version) {
    return sqlite3_io_methods{version,
                              shim_close,
                              shim_read,
                              shim_write,
                              shim_truncate,
                              shim_sync,
                              shim_file_size,
                              shim_lock,
                              shim_unlock,
                              shim_check_reserved,
                              shim_file_control,
                              shim_sector_size,
                              shim_device_characteristics,
                              shim_shm_map,
                              shim_shm_lock,
                              shim_shm_barrier,
                              shim_shm_unmap,
                              shim_fetch,
                              shim_unfetch};
}
const sqlite3_io_methods methods_v1 = methods_of_version(1);
const sqlite3_io_methods methods_v2 = methods_of_version(2);
const sqlite3_io_methods methods_v3 = methods_of_version(3);

int vfs_open(sqlite3_vfs* vfs, sqlite3_filename name, sqlite3_file* file, int flags,
             int* out_flags) {
    ShimFile* s = shim(file);
    s->base.pMethods = nullptr;
    s->owner = owner(vfs);
    s->targeted = s->owner->targets(name);
    sqlite3_vfs* r = s->owner->real();
    const int rc = r->xOpen(r, name, s->real(), flags, out_flags);
    const sqlite3_io_methods* inner = s->real()->pMethods;
    if (inner) {  // set even on failure when the real file must still be closed
        s->base.pMethods = inner->iVersion >= 3   ? &methods_v3
                           : inner->iVersion == 2 ? &methods_v2
                                                  : &methods_v1;
    }
    return rc;
}
int vfs_delete(sqlite3_vfs* vfs, const char* name, int sync_dir) {
    return owner(vfs)->real()->xDelete(owner(vfs)->real(), name, sync_dir);
}
int vfs_access(sqlite3_vfs* vfs, const char* name, int flags, int* out) {
    return owner(vfs)->real()->xAccess(owner(vfs)->real(), name, flags, out);
}
int vfs_full_pathname(sqlite3_vfs* vfs, const char* name, int n, char* out) {
    return owner(vfs)->real()->xFullPathname(owner(vfs)->real(), name, n, out);
}
void* vfs_dl_open(sqlite3_vfs* vfs, const char* name) {
    return owner(vfs)->real()->xDlOpen(owner(vfs)->real(), name);
}
void vfs_dl_error(sqlite3_vfs* vfs, int n, char* out) {
    owner(vfs)->real()->xDlError(owner(vfs)->real(), n, out);
}
void (*vfs_dl_sym(sqlite3_vfs* vfs, void* handle, const char* symbol))(void) {
    return owner(vfs)->real()->xDlSym(owner(vfs)->real(), handle, symbol);
}
void vfs_dl_close(sqlite3_vfs* vfs, void* handle) {
    owner(vfs)->real()->xDlClose(owner(vfs)->real(), handle);
}
int vfs_randomness(sqlite3_vfs* vfs, int n, char* out) {
    return owner(vfs)->real()->xRandomness(owner(vfs)->real(), n, out);
}
int vfs_sleep(sqlite3_vfs* vfs, int us) {
    return owner(vfs)->real()->xSleep(owner(vfs)->real(), us);
}
int vfs_current_time(sqlite3_vfs* vfs, double* out) {
    return owner(vfs)->real()->xCurrentTime(owner(vfs)->real(), out);
}
int vfs_last_error(sqlite3_vfs* vfs, int n, char* out) {
    return owner(vfs)->real()->xGetLastError(owner(vfs)->real(), n, out);
}
int vfs_current_time_int64(sqlite3_vfs* vfs, sqlite3_int64* out) {
    return owner(vfs)->real()->xCurrentTimeInt64(owner(vfs)->real(), out);
}

}  // namespace

FaultVfs::FaultVfs(std::string name, std::string target, bool make_default)
    : name_(std::move(name)),
      target_(std::move(target)),
      made_default_(make_default),
      real_(sqlite3_vfs_find(nullptr)) {
    if (!real_ || real_->iVersion < 2) throw std::runtime_error("no usable default SQLite VFS");
    vfs_.iVersion = 2;
    vfs_.szOsFile = static_cast<int>(sizeof(ShimFile)) + real_->szOsFile;
    vfs_.mxPathname = real_->mxPathname;
    vfs_.zName = name_.c_str();
    vfs_.pAppData = this;
    vfs_.xOpen = vfs_open;
    vfs_.xDelete = vfs_delete;
    vfs_.xAccess = vfs_access;
    vfs_.xFullPathname = vfs_full_pathname;
    vfs_.xDlOpen = vfs_dl_open;
    vfs_.xDlError = vfs_dl_error;
    vfs_.xDlSym = vfs_dl_sym;
    vfs_.xDlClose = vfs_dl_close;
    vfs_.xRandomness = vfs_randomness;
    vfs_.xSleep = vfs_sleep;
    vfs_.xCurrentTime = vfs_current_time;
    vfs_.xGetLastError = vfs_last_error;
    vfs_.xCurrentTimeInt64 = vfs_current_time_int64;
    if (sqlite3_vfs_register(&vfs_, make_default ? 1 : 0) != SQLITE_OK)
        throw std::runtime_error("cannot register the SQLite VFS " + name_);
}

FaultVfs::~FaultVfs() {
    sqlite3_vfs_unregister(&vfs_);
    // SQLite would pick an arbitrary VFS as the new default; put the real one back.
    if (made_default_) sqlite3_vfs_register(real_, 1);
}

bool FaultVfs::targets(const char* file_name) const {
    if (!file_name) return false;  // temporary files
    if (target_.empty()) return true;
    const char* slash = std::strrchr(file_name, '/');
    const char* base = slash ? slash + 1 : file_name;
    return std::strncmp(base, target_.c_str(), target_.size()) == 0;
}

int FaultVfs::failure_for(int io_error_code) noexcept {
    switch (fault_.load()) {
        case Fault::none:
            return SQLITE_OK;
        case Fault::disk_full:
            // A full disk fails what allocates space; a sync or a shrinking truncate still works.
            if (io_error_code != SQLITE_IOERR_WRITE) return SQLITE_OK;
            ++injected_;
            return SQLITE_FULL;
        case Fault::io_error:
            ++injected_;
            return io_error_code;
    }
    return SQLITE_OK;
}

}  // namespace ocop::test
