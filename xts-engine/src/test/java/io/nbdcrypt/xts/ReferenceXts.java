package io.nbdcrypt.xts;

import java.util.Arrays;
import org.bouncycastle.crypto.engines.AESEngine;
import org.bouncycastle.crypto.params.KeyParameter;

/**
 * The slow, obvious XTS-AES of IEEE 1619-2007 §5, for tests only: Bouncy Castle's AES
 * (independent of the JDK's), one block at a time, tweak multiplied byte by byte. It
 * deliberately shares no code with {@link XtsCipher} and does not refuse K1 == K2.
 */
public final class ReferenceXts {
    private ReferenceXts() {}

    public static byte[] encrypt(byte[] key, byte[] tweak, byte[] data) {
        return crypt(key, tweak, data, true);
    }

    public static byte[] decrypt(byte[] key, byte[] tweak, byte[] data) {
        return crypt(key, tweak, data, false);
    }

    private static byte[] crypt(byte[] key, byte[] tweakValue, byte[] in, boolean encrypt) {
        if (in.length < 16) {
            throw new IllegalArgumentException("data unit shorter than a block");
        }
        int half = key.length / 2;
        AESEngine k1 = new AESEngine();
        k1.init(encrypt, new KeyParameter(key, 0, half));
        AESEngine k2 = new AESEngine();
        k2.init(true, new KeyParameter(key, half, half));
        byte[] t = new byte[16];
        k2.processBlock(tweakValue, 0, t, 0);

        byte[] out = in.clone();
        int m = in.length / 16;
        int tail = in.length % 16;
        int plainBlocks = tail == 0 ? m : m - 1;
        for (int j = 0; j < plainBlocks; j++) {
            xexBlock(k1, t, out, 16 * j);
            timesAlpha(t);
        }
        if (tail == 0) {
            return out;
        }
        // §5.3.2 / §5.4.2: stealing over the last full block (index m-1) and the partial block m.
        byte[] tNext = t.clone();
        timesAlpha(tNext);
        int p = 16 * (m - 1);
        byte[] cc = Arrays.copyOfRange(out, p, p + 16);
        xexBlock(k1, encrypt ? t : tNext, cc, 0);
        byte[] last = new byte[16];
        System.arraycopy(in, p + 16, last, 0, tail);
        System.arraycopy(cc, tail, last, tail, 16 - tail);
        xexBlock(k1, encrypt ? tNext : t, last, 0);
        System.arraycopy(last, 0, out, p, 16);
        System.arraycopy(cc, 0, out, p + 16, tail);
        return out;
    }

    private static void xexBlock(AESEngine aes, byte[] t, byte[] buf, int off) {
        byte[] x = new byte[16];
        for (int i = 0; i < 16; i++) {
            x[i] = (byte) (buf[off + i] ^ t[i]);
        }
        aes.processBlock(x, 0, x, 0);
        for (int i = 0; i < 16; i++) {
            buf[off + i] = (byte) (x[i] ^ t[i]);
        }
    }

    /** §5.2: multiply the little-endian 128-bit tweak by alpha. */
    static void timesAlpha(byte[] t) {
        int carryIn = 0;
        for (int j = 0; j < 16; j++) {
            int b = t[j] & 0xff;
            t[j] = (byte) ((b << 1) | carryIn);
            carryIn = b >>> 7;
        }
        if (carryIn != 0) {
            t[0] ^= (byte) 0x87;
        }
    }
}
