/*
 * engine/pack_cache.h — a model's packed linear layers kept in one file
 * between loads, so a load at reduced precision maps them instead of
 * quantizing and packing every weight again. The bytes of each layer are
 * the driver's (driver.h: pack_key, export_linear, import_linear); the file
 * only frames them:
 *
 *   head (256 bytes: magic, version, layer count, file size, XXH3 of the
 *   rest, the key), then a table of (offset, bytes, n, k) per layer, then
 *   the layers' bytes, each at a 64-byte aligned offset.
 *
 * The key names the model id, the precision and the driver's pack key (its
 * format version and kernel family); a file with another key, a wrong size
 * or checksum, or a layer the driver refuses is rebuilt. It is written to a
 * private name and renamed, so a reader never sees half a file.
 *
 *   rv_pack_cache *pc;  rv_pack_cache_open(&pc, path, key);  // path NULL: memory only
 *   per packed layer, in load order:
 *     rv_pack_cache_take(pc, drv, dev, &buf, n, k);   // buf NULL: pack it, then
 *     rv_pack_cache_add(pc, buf, n, k);
 *   rv_pack_cache_save(pc, drv, dev);   // when something was missing
 *   free the layers, then rv_pack_cache_free(pc)      // unmaps
 */
#ifndef RV_ENGINE_PACK_CACHE_H
#define RV_ENGINE_PACK_CACHE_H

#include "driver/driver.h"

typedef struct rv_pack_cache rv_pack_cache;

/* A missing, stale or damaged file is no error: it just yields no layers
 * (rv_pack_cache_state says which). RV_ERR_NOMEM only. */
rv_status rv_pack_cache_open(rv_pack_cache **out, const char *path, const char *key);
/* The next layer [n, k] in load order, imported from the file, or *out
 * NULL (and RV_OK) when the file does not have it: the caller packs it and
 * hands it to rv_pack_cache_add. */
rv_status rv_pack_cache_take(rv_pack_cache *pc, const rv_driver *drv, void *dev, rv_dbuf **out,
                             size_t n, size_t k);
rv_status rv_pack_cache_add(rv_pack_cache *pc, rv_dbuf *buf, size_t n, size_t k);
/* Writes the file when a layer did not come from it; RV_OK with nothing
 * to do. On error (e.g. a read-only directory) the layers stay in memory. */
rv_status rv_pack_cache_save(rv_pack_cache *pc, const rv_driver *drv, void *dev);
/* "none" (no path), "mapped", "built", "rebuilt (stale key)", "rebuilt
 * (damaged)", "memory (...)" after a failed save. Owned by pc. */
const char *rv_pack_cache_state(const rv_pack_cache *pc);
void rv_pack_cache_free(rv_pack_cache *pc); /* NULL ok; after the layers are freed */

#endif
