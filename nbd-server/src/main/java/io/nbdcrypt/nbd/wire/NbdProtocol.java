package io.nbdcrypt.nbd.wire;

/**
 * Every number the NBD wire protocol defines that this server uses: magics, handshake and
 * transmission flags, option and reply codes, command types and flags, structured reply
 * types, and error values. Source: {@code doc/proto.md} of the NetworkBlockDevice/nbd project
 * (fixed newstyle negotiation). All multi-byte fields on the wire are big-endian.
 *
 * <p>Kept in one file, as nbdkit keeps {@code nbd-protocol.h}, so a reviewer can check every
 * value against the spec in one sitting.
 */
public final class NbdProtocol {
    private NbdProtocol() {}

    // ---- Handshake ------------------------------------------------------------------------

    /** "NBDMAGIC": first 8 bytes the server sends. */
    public static final long NBD_MAGIC = 0x4e42444d41474943L;
    /** "IHAVEOPT": second 8 bytes of the greeting and the prefix of every option request. */
    public static final long IHAVEOPT = 0x49484156454f5054L;
    /** Prefix of every option reply. */
    public static final long OPTION_REPLY_MAGIC = 0x0003e889045565a9L;

    /** Server handshake flags (16 bits). */
    public static final int FLAG_FIXED_NEWSTYLE = 1;
    public static final int FLAG_NO_ZEROES = 1 << 1;

    /** Client flags (32 bits). */
    public static final int FLAG_C_FIXED_NEWSTYLE = 1;
    public static final int FLAG_C_NO_ZEROES = 1 << 1;

    /** Bytes of zero padding after the {@code NBD_OPT_EXPORT_NAME} reply, unless NO_ZEROES. */
    public static final int EXPORT_NAME_REPLY_PADDING = 124;

    // ---- Options --------------------------------------------------------------------------

    public static final int OPT_EXPORT_NAME = 1;
    public static final int OPT_ABORT = 2;
    public static final int OPT_LIST = 3;
    public static final int OPT_PEEK_EXPORT = 4;
    public static final int OPT_STARTTLS = 5;
    public static final int OPT_INFO = 6;
    public static final int OPT_GO = 7;
    public static final int OPT_STRUCTURED_REPLY = 8;
    public static final int OPT_LIST_META_CONTEXT = 9;
    public static final int OPT_SET_META_CONTEXT = 10;
    public static final int OPT_EXTENDED_HEADERS = 11;

    // ---- Option reply types (errors have bit 31 set) ---------------------------------------

    public static final int REP_ACK = 1;
    public static final int REP_SERVER = 2;
    public static final int REP_INFO = 3;
    public static final int REP_META_CONTEXT = 4;
    public static final int REP_ERR_UNSUP = 0x80000000 | 1;
    public static final int REP_ERR_POLICY = 0x80000000 | 2;
    public static final int REP_ERR_INVALID = 0x80000000 | 3;
    public static final int REP_ERR_PLATFORM = 0x80000000 | 4;
    public static final int REP_ERR_TLS_REQD = 0x80000000 | 5;
    public static final int REP_ERR_UNKNOWN = 0x80000000 | 6;
    public static final int REP_ERR_SHUTDOWN = 0x80000000 | 7;
    public static final int REP_ERR_BLOCK_SIZE_REQD = 0x80000000 | 8;
    public static final int REP_ERR_TOO_BIG = 0x80000000 | 9;

    // ---- NBD_OPT_INFO / NBD_OPT_GO information types (16 bits) -----------------------------

    public static final int INFO_EXPORT = 0;
    public static final int INFO_NAME = 1;
    public static final int INFO_DESCRIPTION = 2;
    public static final int INFO_BLOCK_SIZE = 3;

    // ---- Transmission flags (16 bits, sent with the export size) ---------------------------

    public static final int FLAG_HAS_FLAGS = 1;
    public static final int FLAG_READ_ONLY = 1 << 1;
    public static final int FLAG_SEND_FLUSH = 1 << 2;
    public static final int FLAG_SEND_FUA = 1 << 3;
    public static final int FLAG_ROTATIONAL = 1 << 4;
    public static final int FLAG_SEND_TRIM = 1 << 5;
    public static final int FLAG_SEND_WRITE_ZEROES = 1 << 6;
    public static final int FLAG_SEND_DF = 1 << 7;
    public static final int FLAG_CAN_MULTI_CONN = 1 << 8;
    public static final int FLAG_SEND_RESIZE = 1 << 9;
    public static final int FLAG_SEND_CACHE = 1 << 10;
    public static final int FLAG_SEND_FAST_ZERO = 1 << 11;

    // ---- Transmission: requests -------------------------------------------------------------

    public static final int REQUEST_MAGIC = 0x25609513;
    /** magic(4) flags(2) type(2) cookie(8) offset(8) length(4). */
    public static final int REQUEST_HEADER_LENGTH = 28;

    // Command types and flags: typed as CommandType and CommandFlag past the codec.
    public static final int CMD_READ = 0;
    public static final int CMD_WRITE = 1;
    public static final int CMD_DISC = 2;
    public static final int CMD_FLUSH = 3;
    public static final int CMD_TRIM = 4;
    public static final int CMD_CACHE = 5;
    public static final int CMD_WRITE_ZEROES = 6;
    public static final int CMD_BLOCK_STATUS = 7;
    public static final int CMD_RESIZE = 8;

    public static final int CMD_FLAG_FUA = 1;
    public static final int CMD_FLAG_NO_HOLE = 1 << 1;
    public static final int CMD_FLAG_DF = 1 << 2;
    public static final int CMD_FLAG_REQ_ONE = 1 << 3;
    public static final int CMD_FLAG_FAST_ZERO = 1 << 4;

    // ---- Transmission: replies --------------------------------------------------------------

    public static final int SIMPLE_REPLY_MAGIC = 0x67446698;
    /** magic(4) error(4) cookie(8). */
    public static final int SIMPLE_REPLY_HEADER_LENGTH = 16;
    public static final int STRUCTURED_REPLY_MAGIC = 0x668e33ef;
    /** magic(4) flags(2) type(2) cookie(8) length(4). */
    public static final int STRUCTURED_REPLY_HEADER_LENGTH = 20;

    public static final int REPLY_FLAG_DONE = 1;

    public static final int REPLY_TYPE_NONE = 0;
    public static final int REPLY_TYPE_OFFSET_DATA = 1;
    public static final int REPLY_TYPE_OFFSET_HOLE = 2;
    public static final int REPLY_TYPE_BLOCK_STATUS = 5;
    public static final int REPLY_TYPE_ERROR = (1 << 15) + 1;
    // (REPLY_TYPE_BLOCK_STATUS payload: context id u32, then descriptors of length u32 + status flags u32.)
    public static final int REPLY_TYPE_ERROR_OFFSET = (1 << 15) + 2;

    // ---- Metadata contexts ("base:allocation" status flags) ----------------------------------

    /** {@code base:allocation}: the extent is not allocated in the backing storage. */
    public static final int STATE_HOLE = 1;
    /** {@code base:allocation}: the extent reads as zeroes. */
    public static final int STATE_ZERO = 1 << 1;

    // ---- Error values (the only ones the spec allows on the wire) --------------------------

    public static final int EPERM = 1;
    public static final int EIO = 5;
    public static final int ENOMEM = 12;
    public static final int EINVAL = 22;
    public static final int ENOSPC = 28;
    public static final int EOVERFLOW = 75;
    public static final int ENOTSUP = 95;
    public static final int ESHUTDOWN = 108;

    // ---- Limits -----------------------------------------------------------------------------

    /** Longest export name or description the spec requires servers to accept. */
    public static final int MAX_STRING_LENGTH = 4096;

    /** Name of an option, for messages and logs. */
    public static String optionName(int option) {
        return switch (option) {
            case OPT_EXPORT_NAME -> "NBD_OPT_EXPORT_NAME";
            case OPT_ABORT -> "NBD_OPT_ABORT";
            case OPT_LIST -> "NBD_OPT_LIST";
            case OPT_PEEK_EXPORT -> "NBD_OPT_PEEK_EXPORT";
            case OPT_STARTTLS -> "NBD_OPT_STARTTLS";
            case OPT_INFO -> "NBD_OPT_INFO";
            case OPT_GO -> "NBD_OPT_GO";
            case OPT_STRUCTURED_REPLY -> "NBD_OPT_STRUCTURED_REPLY";
            case OPT_LIST_META_CONTEXT -> "NBD_OPT_LIST_META_CONTEXT";
            case OPT_SET_META_CONTEXT -> "NBD_OPT_SET_META_CONTEXT";
            case OPT_EXTENDED_HEADERS -> "NBD_OPT_EXTENDED_HEADERS";
            default -> "option " + Integer.toUnsignedString(option);
        };
    }
}
