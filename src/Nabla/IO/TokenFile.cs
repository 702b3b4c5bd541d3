using System.Buffers.Binary;
using Nabla.Data;

namespace Nabla.IO;

/// <summary>
/// nanoGPT's token files (train.bin, val.bin): the token ids one after another as little-endian uint16, with no
/// header, so numpy.memmap(path, dtype=np.uint16) reads them and any vocabulary of up to 65,536 tokens fits.
/// </summary>
public static class TokenFile
{
    public const int MaxVocabulary = ushort.MaxValue + 1;

    /// <summary>Largest file read: a billion tokens.</summary>
    public const long MaxFileBytes = 2L << 30;

    public static void Write(string path, ReadOnlySpan<int> tokens)
    {
        var bytes = new byte[tokens.Length * 2];
        for (int i = 0; i < tokens.Length; i++)
        {
            if ((uint)tokens[i] >= MaxVocabulary)
                throw new ArgumentException($"TokenFile: token {tokens[i]} at position {i} does not fit in uint16 ({path})");
            BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(2 * i), (ushort)tokens[i]);
        }
        AtomicFile.Write(path, stream => stream.Write(bytes));
    }

    public static ushort[] Read(string path)
    {
        byte[] bytes = InputFile.ReadBytes(path, MaxFileBytes, "token file");
        if (bytes.Length % 2 != 0)
            throw new InvalidDataException($"token file '{path}': {bytes.Length:N0} bytes is not a whole number of uint16 tokens");
        var tokens = new ushort[bytes.Length / 2];
        for (int i = 0; i < tokens.Length; i++) tokens[i] = BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(2 * i));
        return tokens;
    }
}
