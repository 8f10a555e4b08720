package dev.softmaxengine.api;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

class HalfTest {

    @Test
    void bfloat16RoundsToNearestEvenAndKeepsNan() {
        // 1 + 2^-8 is half-way between 1 and 1 + 2^-7: ties to the even 1; 1 + 3 * 2^-8 to 1 + 2^-6.
        assertEquals(0x3f80, Half.floatToBf16(1 + 0x1p-8f));
        assertEquals(0x3f82, Half.floatToBf16(1 + 3 * 0x1p-8f));
        assertEquals(0x3f81, Half.floatToBf16(1 + 0x1p-8f + 0x1p-20f));
        assertEquals((short) 0x7f80, Half.floatToBf16(Float.MAX_VALUE), "beyond bf16's largest finite: +inf");
        assertEquals((short) 0xff80, Half.floatToBf16(Float.NEGATIVE_INFINITY));
        // A NaN whose payload sits only in the low 16 bits must not truncate to infinity.
        short nan = Half.floatToBf16(Float.intBitsToFloat(0x7f800001));
        assertTrue(Float.isNaN(Half.bf16ToFloat(nan)), "NaN stays NaN, was " + Integer.toHexString(nan));
        assertTrue(Float.isNaN(Half.bf16ToFloat(Half.floatToBf16(Float.intBitsToFloat(0xffc00000)))));
        assertEquals(0x1p-133f, Half.bf16ToFloat((short) 1), "the smallest subnormal");
    }

    /** Every result is the nearest value of the dtype to the double, ties to the even one. */
    @Test
    void fromDoubleRoundsOnce() {
        // 1 + 2^-8 + 2^-40 rounds to float 1 + 2^-8, a tie a second rounding would take to 1.
        assertEquals(0x3f81, Half.fromDouble(DType.BFLOAT16, 1 + 0x1p-8 + 0x1p-40));
        assertEquals(Float.floatToFloat16(1 + 0x1p-10f), Half.fromDouble(DType.FLOAT16, 1 + 0x1p-11 + 0x1p-40));
        SplittableRandom rnd = new SplittableRandom(18);
        for (DType d : DType.halves()) {
            for (int i = 0; i < 200_000; i++) {
                short bits = (short) rnd.nextInt(1 << 16);
                double x = Half.toFloat(d, bits);
                if (!Double.isFinite(x)) {
                    continue;
                }
                // Around a value of the dtype, including exact ties and the overflow threshold.
                double v = x + (rnd.nextInt(5) - 2) * Math.ulp((float) x) * (d == DType.BFLOAT16 ? 1 << 15 : 1 << 12)
                        * (rnd.nextBoolean() ? 1 : rnd.nextDouble());
                checkNearest(d, v);
            }
            checkNearest(d, 1e-300);
            checkNearest(d, -1e300);
            assertTrue(Float.isNaN(Half.toFloat(d, Half.fromDouble(d, Double.NaN))));
            assertEquals(Double.doubleToRawLongBits(-0.0), Double.doubleToRawLongBits(Half.toFloat(d, Half.fromDouble(d, -0.0))));
        }
    }

    private static void checkNearest(DType d, double v) {
        short h = Half.fromDouble(d, v);
        double y = Half.toFloat(d, h);
        String what = d + " of " + v + " gave " + y;
        if (Double.isInfinite(y)) {
            double max = d == DType.BFLOAT16 ? Half.bf16ToFloat((short) 0x7f7f) : 65504;
            double ulp = d == DType.BFLOAT16 ? 0x1p120 : 32;
            assertTrue(Math.abs(v) >= max + ulp / 2 && Math.signum(v) == Math.signum(y), what);
            return;
        }
        for (int step : new int[] {-1, 1}) {
            double other = Half.toFloat(d, (short) (h + step));
            if (Double.isNaN(other) || Math.signum(other) != Math.signum(y) && y != 0) {
                continue;
            }
            double dy = Math.abs(v - y);
            double dOther = Math.abs(v - other);
            assertTrue(dy < dOther || dy == dOther && (h & 1) == 0, what + ", but " + other + " is nearer or even");
        }
    }

    @Test
    void tensorsOfBitsReadAndWriteTheirDtype() {
        short[] bits = new short[6];
        ArrayTensor t = Tensor.of(bits, DType.BFLOAT16, 2, 3);
        t.set(4, 1.5);
        assertEquals(0x3fc0, bits[4]);
        assertEquals(1.5, t.get(4));
        assertEquals(12, t.asHostSegment().byteSize());
        assertArrayEquals(bits, t.reshape(6).shorts());
        Tensor f16 = Tensor.of(new short[] {Float.floatToFloat16(65504f)}, DType.FLOAT16);
        assertEquals(65504, f16.get(0));
        f16.set(0, 65520);
        assertEquals(Double.POSITIVE_INFINITY, f16.get(0), "65520 is past float16's overflow threshold");
        assertEquals("dtype must be BFLOAT16 or FLOAT16 for a short[], was FLOAT32",
                assertThrows(IllegalArgumentException.class, () -> Tensor.of(bits, DType.FLOAT32, 6)).getMessage());
        assertEquals("bits must not be null",
                assertThrows(IllegalArgumentException.class, () -> Tensor.of((short[]) null, DType.FLOAT16)).getMessage());
        assertThrows(IllegalArgumentException.class, () -> Tensor.of(bits, DType.FLOAT16, 7));
        assertThrows(IllegalStateException.class, () -> Tensor.of(new float[1], 1).shorts());
    }

    @Test
    void roundedBoundsAddOneRounding() {
        Tolerance t = new Tolerance(1e-5, 0x1p-126).roundedTo(DType.BFLOAT16);
        assertEquals(1e-5 + 0x1p-8 * (1 + 1e-5), t.rtol());
        Tolerance exact = new Tolerance(0, 0);
        assertEquals(exact, exact.roundedTo(DType.FLOAT16));
        assertThrows(IllegalArgumentException.class, () -> exact.roundedTo(DType.INT32));
    }
}
