/* The writer lock, and rebuilds beside the live index: readers keep
 * searching the old content until one transaction swaps the new one in. */
#include "index/index_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

/* 1 when the lock file our descriptor holds is still the one at lock_path:
 * `index clear` deletes it, and a lock on a deleted file locks nothing. */
static int lock_is_current(const rv_index *idx) {
    struct stat a, b;
    return fstat(idx->lock_fd, &a) == 0 && stat(idx->lock_path, &b) == 0 && a.st_ino == b.st_ino &&
           a.st_dev == b.st_dev;
}

static rv_status lock_once(rv_index *idx, int wait, int *busy) {
    *busy = 0;
    if (idx->lock_fd < 0) {
        idx->lock_fd = open(idx->lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
        if (idx->lock_fd < 0)
            return rv_error_set(RV_ERR_IO, "%s: %s", idx->lock_path, strerror(errno));
    }
    if (flock(idx->lock_fd, LOCK_EX | LOCK_NB) == 0) return RV_OK;
    if (errno != EWOULDBLOCK)
        return rv_error_set(RV_ERR_IO, "%s: flock: %s", idx->lock_path, strerror(errno));
    if (!wait) {
        *busy = 1;
        return RV_OK;
    }
    rv_index_note(idx, "waiting for another ripvec updating %s", idx->db_path);
    while (flock(idx->lock_fd, LOCK_EX) != 0)
        if (errno != EINTR)
            return rv_error_set(RV_ERR_IO, "%s: flock: %s", idx->lock_path, strerror(errno));
    return RV_OK;
}

static rv_status lock(rv_index *idx, int wait, int *busy) {
    for (;;) {
        rv_status st = lock_once(idx, wait, busy);
        if (st != RV_OK || *busy || lock_is_current(idx)) return st;
        close(idx->lock_fd); /* cleared while we waited: lock the new file */
        idx->lock_fd = -1;
    }
}

rv_status rv_index_lock(rv_index *idx) {
    int busy;
    return lock(idx, 1, &busy);
}

rv_status rv_index_try_lock(rv_index *idx, int *busy) {
    return lock(idx, 0, busy);
}

void rv_index_unlock(rv_index *idx) {
    if (idx->lock_fd >= 0) flock(idx->lock_fd, LOCK_UN);
}

/* `created` of the live index, or -1 when there is none that reads. */
static int64_t live_created(rv_index *idx) {
    rv_store *saved = idx->store;
    idx->store = NULL;
    int64_t c = -1;
    rv_store_info si;
    if (rv_index_open_store(idx, idx->db_path, RV_STORE_INSPECT) == RV_OK &&
        rv_store_info_get(idx->store, &si) == RV_OK)
        c = si.created;
    rv_store_close(idx->store);
    idx->store = saved;
    return c;
}

rv_status rv_index_open_rebuild(rv_index *idx) {
    int64_t c0 = access(idx->db_path, F_OK) == 0 ? live_created(idx) : -1;
    rv_status st = rv_index_lock(idx);
    if (st != RV_OK) return st;
    if (c0 < 0) { /* nothing readable there: nobody to keep answering */
        st = rv_index_open_store(idx, idx->db_path, RV_STORE_REBUILD);
        rv_index_unlock(idx);
        return st;
    }
    if (live_created(idx) != c0) { /* rebuilt while we waited: update it */
        idx->p.mode = RV_INDEX_OPEN;
        st = rv_index_open_store(idx, idx->db_path, RV_STORE_OPEN);
        rv_index_unlock(idx);
        return st;
    }
    size_t n = strlen(idx->db_path);
    if (!(idx->beside_path = malloc(n + 6))) {
        rv_index_unlock(idx);
        return rv_error_set(RV_ERR_NOMEM, "out of memory");
    }
    memcpy(idx->beside_path, idx->db_path, n);
    memcpy(idx->beside_path + n, ".next", 6);
    st = rv_store_remove_files(idx->beside_path); /* a killed rebuild's leftovers */
    if (st == RV_OK) st = rv_index_open_store(idx, idx->beside_path, RV_STORE_REBUILD);
    if (st != RV_OK) {
        rv_index_drop_beside(idx);
        rv_index_unlock(idx);
    }
    return st; /* the lock stays held until rv_index_update swaps */
}

rv_status rv_index_swap_in(rv_index *idx) {
    rv_status st = rv_store_copy_into(idx->store, idx->db_path);
    if (st != RV_OK) return st;
    rv_store_close(idx->store);
    idx->store = NULL;
    rv_index_drop_beside(idx);
    return rv_index_open_store(idx, idx->db_path, RV_STORE_OPEN);
}

void rv_index_drop_beside(rv_index *idx) {
    if (!idx->beside_path) return;
    if (idx->store) { /* still the rebuild's: closed before its files go */
        rv_store_close(idx->store);
        idx->store = NULL;
    }
    rv_store_remove_files(idx->beside_path);
    free(idx->beside_path);
    idx->beside_path = NULL;
}
