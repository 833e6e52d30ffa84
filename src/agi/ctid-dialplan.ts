// The names ctid and its dialplan (contrib/asterisk/extensions_ctid.conf)
// agree on, in one place: ctid's FastAGI server and the simulator, which
// runs that dialplan, both take them from here.

/** The AstDB family of routed extensions (key: the extension; DB_EXISTS(ctid-route/EXT)); also the dialplan context that asks. */
export const ROUTE_FAMILY = 'ctid-route';

/** The FastAGI script the dialplan runs: AGI(agi://HOST:PORT/route). */
export const ROUTE_SCRIPT = 'route';

/** The channel variable ctid sets to send the call on (empty: the extension rings). */
export const DEST_VARIABLE = 'CTID_DEST';
