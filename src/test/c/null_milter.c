/*
 * The cheapest milter there is, for the benchmark's baseline: Sendmail's own libmilter in C,
 * speaking to Postfix exactly as the healthy headroom gate does: the same events (connect, MAIL,
 * RCPT), no reply to connect and MAIL, and "accept" at the first RCPT, so Postfix sends nothing
 * more for the message. It asks for no macros of its own (no smfi_setsymlist), as most milters,
 * so Postfix sends main.cf's milter_*_macros; the gate names the two it reads (Negotiation.MACROS),
 * which is part of what the gate saves Postfix. Postfix with this milter against Postfix alone is what any milter costs
 * Postfix; the gate against this is what headroom-milter adds.
 *
 * Build: cc -O2 -o null-milter null_milter.c -lmilter -lpthread
 * Run:   null-milter inet:PORT@127.0.0.1
 */
#include <stddef.h>
#include <libmilter/mfapi.h>

#define STEPS (SMFIP_NOHELO | SMFIP_NOHDRS | SMFIP_NOEOH | SMFIP_NOBODY | SMFIP_NOUNKNOWN | SMFIP_NODATA)
#define NO_REPLY (SMFIP_NR_CONN | SMFIP_NR_MAIL)

static sfsistat negotiate(SMFICTX *ctx, unsigned long f0, unsigned long f1, unsigned long f2,
                          unsigned long f3, unsigned long *pf0, unsigned long *pf1,
                          unsigned long *pf2, unsigned long *pf3) {
  (void) ctx; (void) f0; (void) f2; (void) f3;
  /* The callbacks answer SMFIS_NOREPLY, which is only allowed when the MTA agreed to it. */
  if ((f1 & NO_REPLY) != NO_REPLY) {
    return SMFIS_REJECT;
  }
  *pf0 = 0;
  *pf1 = (f1 & STEPS) | NO_REPLY;
  *pf2 = 0;
  *pf3 = 0;
  return SMFIS_CONTINUE;
}

static sfsistat connect_cb(SMFICTX *ctx, char *host, _SOCK_ADDR *addr) {
  (void) ctx; (void) host; (void) addr;
  return SMFIS_NOREPLY;
}

static sfsistat mail_cb(SMFICTX *ctx, char **argv) {
  (void) ctx; (void) argv;
  return SMFIS_NOREPLY;
}

static sfsistat rcpt_cb(SMFICTX *ctx, char **argv) {
  (void) ctx; (void) argv;
  return SMFIS_ACCEPT;
}

static struct smfiDesc filter = {
  "null", SMFI_VERSION, 0,
  connect_cb, NULL, mail_cb, rcpt_cb, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
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
