using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace Nabla.IO;

/// <summary>
/// llm.c's token shards (tiny_shakespeare_train.bin, fineweb_train_000001.bin), as dev/data/data_common.py's
/// write_datafile writes them and llmc/dataloader.h reads them: a header of 256 int32
/// <c>[20240520, 1, token count, 0 …]</c>, then the tokens as little-endian uint16 (GPT-2's 50,257 ids fit).
/// llm.c's loader wants at least one token and a file of exactly 1,024 + 2 · count bytes; so does this reader.
/// </summary>
public static class LlmcTokenFile
{
    public const int Version = 1;
    private const string Kind = "llm.c token file";

    /// <summary>Writes <paramref name="tokens"/> (each in [0, 65535], at least one), atomically.</summary>
    /// <exception cref="ArgumentException">No tokens, or a token that does not fit in uint16.</exception>
    public static void Write(string path, ReadOnlySpan<int> tokens)
    {
        if (tokens.IsEmpty) throw new ArgumentException($"LlmcTokenFile.Write: no tokens to write to '{path}' (llm.c's loader refuses an empty file)");
        var values = new ushort[tokens.Length];
        for (int i = 0; i < tokens.Length; i++)
        {
            if ((uint)tokens[i] > ushort.MaxValue)
                throw new ArgumentException($"LlmcTokenFile.Write: token {tokens[i]} at position {i} does not fit in uint16 ('{path}')");
            values[i] = (ushort)tokens[i];
        }
        if (!BitConverter.IsLittleEndian)
            for (int i = 0; i < values.Length; i++) values[i] = BinaryPrimitives.ReverseEndianness(values[i]);
        AtomicFile.Write(path, stream =>
        {
            LlmcFormat.WriteHeader(stream, LlmcFormat.TokenFileMagic, Version, values.Length);
            stream.Write(MemoryMarshal.AsBytes(values.AsSpan()));
        });
    }

    /// <summary>The number of tokens, from the header alone (checked against the file's length).</summary>
    /// <exception cref="InvalidDataException">Not a valid llm.c token file; the message names the file and the field.</exception>
    public static int ReadCount(string path)
    {
        using FileStream stream = LlmcFormat.OpenRead(path);
        return ReadHeader(stream, path);
    }

    /// <summary>Every token of the file, read straight into the returned array.</summary>
    /// <exception cref="InvalidDataException">Not a valid llm.c token file; the message names the file and the field.</exception>
    public static ushort[] Read(string path)
    {
        using FileStream stream = LlmcFormat.OpenRead(path);
        var tokens = new ushort[ReadHeader(stream, path)];
        LlmcFormat.ReadExactly(stream, MemoryMarshal.AsBytes(tokens.AsSpan()), path, Kind);
        if (!BitConverter.IsLittleEndian)
            for (int i = 0; i < tokens.Length; i++) tokens[i] = BinaryPrimitives.ReverseEndianness(tokens[i]);
        return tokens;
    }

    private static int ReadHeader(FileStream stream, string path)
    {
        int[] header = LlmcFormat.ReadHeader(stream, path, Kind, LlmcFormat.TokenFileMagic);
        if (header[1] != Version)
            throw LlmcFormat.Damaged(path, Kind, $"header field version is {header[1]}; the known version is {Version} (uint16 tokens)");
        int count = LlmcFormat.Positive(header, 2, "token count", Array.MaxLength, path, Kind);
        LlmcFormat.ExpectLength(stream, 2L * count, path, Kind);
        return count;
    }
}
