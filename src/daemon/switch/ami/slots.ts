// Asterisk has no voice board: it mixes, parks and plays media itself. The
// core still lends "ports" (port-pool.ts) to every join, barge-in, parked
// transfer and played message, which caps how many run at once. Over AMI
// those ports are ctid's slots: plain names with no device behind them,
// which the adapter uses to tell its rooms and parked calls apart. Config
// `voiceBoardPorts` may name others (more slots, fewer); these are the
// default for an ami:// switch.

export const AMI_SLOTS: readonly string[] = ['1', '2', '3', '4', '5', '6', '7', '8'];
