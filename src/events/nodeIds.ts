/** The sede's node id (DESIGN §1). */
export const SEDE = "SEDE";

/** A node id: the sede's, or an agent code of 1 to 8 capital letters or digits. */
export const NODE_ID = /^[A-Z0-9]{1,8}$/;
