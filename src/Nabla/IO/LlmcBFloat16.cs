using System.Buffers.Binary;

namespace Nabla.IO;

/// <summary>
/// bfloat16 (Kalamkar et al. 2019, "A Study of BFLOAT16 for Deep Learning Training") is the top half of a
/// float32: the same sign and 8-bit exponent, 7 of the 23 mantissa bits. Widening is exact; narrowing rounds to
/// the nearest bfloat16, ties to even, and keeps NaN a NaN, as PyTorch's <c>tensor.to(torch.bfloat16)</c> does,
/// so a checkpoint written here holds the bytes train_gpt2.py would write for the same weights.
/// </summary>
internal static class LlmcBFloat16
{
    public static void ToFloat(ReadOnlySpan<byte> bytes, Span<float> destination)
    {
        for (int i = 0; i < destination.Length; i++)
            destination[i] = BitConverter.Int32BitsToSingle(BinaryPrimitives.ReadUInt16LittleEndian(bytes[(2 * i)..]) << 16);
    }

    public static void FromFloat(ReadOnlySpan<float> source, Span<byte> bytes)
    {
        for (int i = 0; i < source.Length; i++) BinaryPrimitives.WriteUInt16LittleEndian(bytes[(2 * i)..], Round(source[i]));
    }

    /// <summary>The bfloat16 nearest to <paramref name="value"/>, ties to even; NaN becomes the quiet NaN 0x7FC0.</summary>
    public static ushort Round(float value)
    {
        if (float.IsNaN(value)) return 0x7FC0;
        uint bits = BitConverter.SingleToUInt32Bits(value);
        uint lsb = (bits >> 16) & 1;                 // the last bit kept: add just under half, plus it, to tie to even
        return (ushort)((bits + 0x7FFFu + lsb) >> 16);
    }

    /// <summary>The float32 that a value becomes after a trip through bfloat16.</summary>
    public static float RoundTrip(float value) => BitConverter.Int32BitsToSingle(Round(value) << 16);
}
