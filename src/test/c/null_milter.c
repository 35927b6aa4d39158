/*
 * The cheapest milter there is, for the benchmark's baseline: Sendmail's own libmilter in C,
 * asking Postfix for the same events the headroom gate asks for (connect, MAIL, RCPT, end of
 * message) and answering "continue" to each at once. Postfix with this milter against Postfix
 * alone is what any milter costs Postfix; the gate against this is what headroom-milter adds.
 *
 * Build: cc -O2 -o null-milter null_milter.c -lmilter -lpthread
 * Run:   null-milter inet:PORT@127.0.0.1
 */
#include <stddef.h>
#include <libmilter/mfapi.h>

static sfsistat negotiate(SMFICTX *ctx, unsigned long f0, unsigned long f1, unsigned long f2,
                          unsigned long f3, unsigned long *pf0, unsigned long *pf1,
                          unsigned long *pf2, unsigned long *pf3) {
  (void) ctx; (void) f0; (void) f2; (void) f3;
  *pf0 = 0;
  *pf1 = f1 & (SMFIP_NOHELO | SMFIP_NOHDRS | SMFIP_NOEOH | SMFIP_NOBODY | SMFIP_NOUNKNOWN | SMFIP_NODATA);
  *pf2 = 0;
  *pf3 = 0;
  return SMFIS_CONTINUE;
}

static sfsistat connect_cb(SMFICTX *ctx, char *host, _SOCK_ADDR *addr) {
  (void) ctx; (void) host; (void) addr;
  return SMFIS_CONTINUE;
}

static sfsistat envelope_cb(SMFICTX *ctx, char **argv) {
  (void) ctx; (void) argv;
  return SMFIS_CONTINUE;
}

static sfsistat eom_cb(SMFICTX *ctx) {
  (void) ctx;
  return SMFIS_CONTINUE;
}

static struct smfiDesc filter = {
  "null", SMFI_VERSION, 0,
  connect_cb, NULL, envelope_cb, envelope_cb, NULL, NULL, NULL, eom_cb, NULL, NULL, NULL, NULL,
  negotiate
};

int main(int argc, char **argv) {
  if (argc != 2) {
    return 2;
  }
  if (smfi_setconn(argv[1]) == MI_FAILURE || smfi_register(filter) == MI_FAILURE) {
    return 1;
  }
  return smfi_main() == MI_SUCCESS ? 0 : 1;
}
