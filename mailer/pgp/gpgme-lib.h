/* gpgme-lib.h: gpgme, loaded on first use (crypto-lib.c).  gpgme with
 * libassuan and libgpg-error cost every start 0.2 ms of CPU, and only an
 * OpenPGP reply, a link create that falls back from the fast signer or a
 * key command calls it.  Included by private.h after <gpgme.h>: each
 * function keeps its name and goes through the library loaded on the
 * first call. */
#ifndef SETUPLINK_GPGME_LIB_H
#define SETUPLINK_GPGME_LIB_H

#include <gpgme.h>

#include "util/util.h"

/* Every gpgme function setuplink calls (nm -u of mailer/pgp). */
#define GPGME_FNS(X) \
	X(gpgme_cancel) X(gpgme_check_version_internal) \
	X(gpgme_ctx_set_engine_info) X(gpgme_data_new_from_cbs) \
	X(gpgme_data_new_from_mem) X(gpgme_data_release) X(gpgme_data_seek) \
	X(gpgme_engine_check_version) X(gpgme_get_dirinfo) \
	X(gpgme_get_engine_info) X(gpgme_hash_algo_name) X(gpgme_key_unref) \
	X(gpgme_new) X(gpgme_op_adduid) X(gpgme_op_createkey) \
	X(gpgme_op_createsubkey) X(gpgme_op_decrypt_result) \
	X(gpgme_op_decrypt_verify_start) X(gpgme_op_delete_ext) \
	X(gpgme_op_export) X(gpgme_op_genkey_result) X(gpgme_op_import) \
	X(gpgme_op_import_result) X(gpgme_op_keylist_end) \
	X(gpgme_op_keylist_from_data_start) X(gpgme_op_keylist_next) \
	X(gpgme_op_keylist_start) X(gpgme_op_sign) X(gpgme_op_sign_result) \
	X(gpgme_op_verify_result) X(gpgme_op_verify_start) X(gpgme_release) \
	X(gpgme_result_ref) X(gpgme_result_unref) X(gpgme_set_armor) \
	X(gpgme_set_ctx_flag) X(gpgme_set_global_flag) X(gpgme_set_io_cbs) \
	X(gpgme_set_keylist_mode) X(gpgme_set_locale) X(gpgme_set_offline) \
	X(gpgme_set_passphrase_cb) X(gpgme_set_pinentry_mode) \
	X(gpgme_set_protocol) X(gpgme_set_status_cb) X(gpgme_set_textmode) \
	X(gpgme_signers_add) X(gpgme_signers_clear) X(gpgme_strerror)

struct gpgme_fns {
	GPGME_FNS(LAZY_MEMBER)
};

/* The functions, resolved once; a gpgme that cannot be loaded ends the
 * process with EX_TEMPFAIL naming the package. */
const struct gpgme_fns *gpgme_fns(void);

#define gpgme_cancel(...) (gpgme_fns()->gpgme_cancel)(__VA_ARGS__)
#define gpgme_check_version_internal(...) (gpgme_fns()->gpgme_check_version_internal)(__VA_ARGS__)
#define gpgme_ctx_set_engine_info(...) (gpgme_fns()->gpgme_ctx_set_engine_info)(__VA_ARGS__)
#define gpgme_data_new_from_cbs(...) (gpgme_fns()->gpgme_data_new_from_cbs)(__VA_ARGS__)
#define gpgme_data_new_from_mem(...) (gpgme_fns()->gpgme_data_new_from_mem)(__VA_ARGS__)
#define gpgme_data_release(...) (gpgme_fns()->gpgme_data_release)(__VA_ARGS__)
#define gpgme_data_seek(...) (gpgme_fns()->gpgme_data_seek)(__VA_ARGS__)
#define gpgme_engine_check_version(...) (gpgme_fns()->gpgme_engine_check_version)(__VA_ARGS__)
#define gpgme_get_dirinfo(...) (gpgme_fns()->gpgme_get_dirinfo)(__VA_ARGS__)
#define gpgme_get_engine_info(...) (gpgme_fns()->gpgme_get_engine_info)(__VA_ARGS__)
#define gpgme_hash_algo_name(...) (gpgme_fns()->gpgme_hash_algo_name)(__VA_ARGS__)
#define gpgme_key_unref(...) (gpgme_fns()->gpgme_key_unref)(__VA_ARGS__)
#define gpgme_new(...) (gpgme_fns()->gpgme_new)(__VA_ARGS__)
#define gpgme_op_adduid(...) (gpgme_fns()->gpgme_op_adduid)(__VA_ARGS__)
#define gpgme_op_createkey(...) (gpgme_fns()->gpgme_op_createkey)(__VA_ARGS__)
#define gpgme_op_createsubkey(...) (gpgme_fns()->gpgme_op_createsubkey)(__VA_ARGS__)
#define gpgme_op_decrypt_result(...) (gpgme_fns()->gpgme_op_decrypt_result)(__VA_ARGS__)
#define gpgme_op_decrypt_verify_start(...) (gpgme_fns()->gpgme_op_decrypt_verify_start)(__VA_ARGS__)
#define gpgme_op_delete_ext(...) (gpgme_fns()->gpgme_op_delete_ext)(__VA_ARGS__)
#define gpgme_op_export(...) (gpgme_fns()->gpgme_op_export)(__VA_ARGS__)
#define gpgme_op_genkey_result(...) (gpgme_fns()->gpgme_op_genkey_result)(__VA_ARGS__)
#define gpgme_op_import(...) (gpgme_fns()->gpgme_op_import)(__VA_ARGS__)
#define gpgme_op_import_result(...) (gpgme_fns()->gpgme_op_import_result)(__VA_ARGS__)
#define gpgme_op_keylist_end(...) (gpgme_fns()->gpgme_op_keylist_end)(__VA_ARGS__)
#define gpgme_op_keylist_from_data_start(...) (gpgme_fns()->gpgme_op_keylist_from_data_start)(__VA_ARGS__)
#define gpgme_op_keylist_next(...) (gpgme_fns()->gpgme_op_keylist_next)(__VA_ARGS__)
#define gpgme_op_keylist_start(...) (gpgme_fns()->gpgme_op_keylist_start)(__VA_ARGS__)
#define gpgme_op_sign(...) (gpgme_fns()->gpgme_op_sign)(__VA_ARGS__)
#define gpgme_op_sign_result(...) (gpgme_fns()->gpgme_op_sign_result)(__VA_ARGS__)
#define gpgme_op_verify_result(...) (gpgme_fns()->gpgme_op_verify_result)(__VA_ARGS__)
#define gpgme_op_verify_start(...) (gpgme_fns()->gpgme_op_verify_start)(__VA_ARGS__)
#define gpgme_release(...) (gpgme_fns()->gpgme_release)(__VA_ARGS__)
#define gpgme_result_ref(...) (gpgme_fns()->gpgme_result_ref)(__VA_ARGS__)
#define gpgme_result_unref(...) (gpgme_fns()->gpgme_result_unref)(__VA_ARGS__)
#define gpgme_set_armor(...) (gpgme_fns()->gpgme_set_armor)(__VA_ARGS__)
#define gpgme_set_ctx_flag(...) (gpgme_fns()->gpgme_set_ctx_flag)(__VA_ARGS__)
#define gpgme_set_global_flag(...) (gpgme_fns()->gpgme_set_global_flag)(__VA_ARGS__)
#define gpgme_set_io_cbs(...) (gpgme_fns()->gpgme_set_io_cbs)(__VA_ARGS__)
#define gpgme_set_keylist_mode(...) (gpgme_fns()->gpgme_set_keylist_mode)(__VA_ARGS__)
#define gpgme_set_locale(...) (gpgme_fns()->gpgme_set_locale)(__VA_ARGS__)
#define gpgme_set_offline(...) (gpgme_fns()->gpgme_set_offline)(__VA_ARGS__)
#define gpgme_set_passphrase_cb(...) (gpgme_fns()->gpgme_set_passphrase_cb)(__VA_ARGS__)
#define gpgme_set_pinentry_mode(...) (gpgme_fns()->gpgme_set_pinentry_mode)(__VA_ARGS__)
#define gpgme_set_protocol(...) (gpgme_fns()->gpgme_set_protocol)(__VA_ARGS__)
#define gpgme_set_status_cb(...) (gpgme_fns()->gpgme_set_status_cb)(__VA_ARGS__)
#define gpgme_set_textmode(...) (gpgme_fns()->gpgme_set_textmode)(__VA_ARGS__)
#define gpgme_signers_add(...) (gpgme_fns()->gpgme_signers_add)(__VA_ARGS__)
#define gpgme_signers_clear(...) (gpgme_fns()->gpgme_signers_clear)(__VA_ARGS__)
#define gpgme_strerror(...) (gpgme_fns()->gpgme_strerror)(__VA_ARGS__)

#endif
