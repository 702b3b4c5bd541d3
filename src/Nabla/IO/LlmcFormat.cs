using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace Nabla.IO;

/// <summary>
/// What llm.c's four binary files share (karpathy/llm.c: train_gpt2.py, dev/data/data_common.py): a header of
/// 256 little-endian int32 (1,024 bytes) whose first int is a magic number naming the kind of file and whose
/// second is its version, then the payload. Readers check the header before reading the payload and compare
/// the length it implies with the file's, so a truncated, padded or inconsistent file is refused, with one line
/// naming the file and the field, before anything large is allocated.
/// </summary>
internal static class LlmcFormat
{
    public const int HeaderInts = 256;
    public const int HeaderBytes = HeaderInts * sizeof(int);

    public const int CheckpointMagic = 20240326;
    public const int DebugStateMagic = 20240327;
    public const int TokenizerMagic = 20240328;
    public const int TokenFileMagic = 20240520;

    /// <summary>The error every reader throws for a file that breaks its format.</summary>
    public static InvalidDataException Damaged(string path, string kind, string what) =>
        new($"{path}: not a valid {kind}: {what}");

    public static FileStream OpenRead(string path) =>
        new(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 16, FileOptions.SequentialScan);

    /// <summary>Reads the 256-int header and checks its magic number; the stream is left at the payload.</summary>
    public static int[] ReadHeader(Stream stream, string path, string kind, int magic)
    {
        if (stream.Length < HeaderBytes)
            throw Damaged(path, kind, $"it is {stream.Length} bytes long, shorter than the {HeaderBytes}-byte header");
        var header = new int[HeaderInts];
        ReadExactly(stream, MemoryMarshal.AsBytes(header.AsSpan()), path, kind);
        if (!BitConverter.IsLittleEndian)
            for (int i = 0; i < header.Length; i++) header[i] = BinaryPrimitives.ReverseEndianness(header[i]);
        if (header[0] != magic)
            throw Damaged(path, kind, $"header field magic is {header[0]}, expected {magic}");
        return header;
    }

    /// <summary>A header of zeros but for the given leading fields, as llm.c's writers make it.</summary>
    public static void WriteHeader(Stream stream, params int[] fields)
    {
        var header = new int[HeaderInts];
        fields.CopyTo(header, 0);
        if (!BitConverter.IsLittleEndian)
            for (int i = 0; i < header.Length; i++) header[i] = BinaryPrimitives.ReverseEndianness(header[i]);
        stream.Write(MemoryMarshal.AsBytes(header.AsSpan()));
    }

    /// <summary>A header field that must be at least 1 and at most <paramref name="max"/>.</summary>
    public static int Positive(int[] header, int index, string field, long max, string path, string kind)
    {
        int value = header[index];
        if (value < 1) throw Damaged(path, kind, $"header field {field} is {value}; it must be ≥ 1");
        if (value > max) throw Damaged(path, kind, $"header field {field} is {value}; it must be ≤ {max}");
        return value;
    }

    /// <summary>The payload must fill the rest of the file exactly: no fewer bytes (truncated), no more (trailing).</summary>
    public static void ExpectLength(Stream stream, Int128 payloadBytes, string path, string kind)
    {
        Int128 expected = HeaderBytes + payloadBytes;
        if (stream.Length < expected)
            throw Damaged(path, kind, $"its header implies {expected} bytes but the file has {stream.Length} (truncated?)");
        if (stream.Length > expected)
            throw Damaged(path, kind, $"its header implies {expected} bytes but the file has {stream.Length} ({stream.Length - (long)expected} trailing bytes)");
    }

    public static void ReadExactly(Stream stream, Span<byte> buffer, string path, string kind)
    {
        try { stream.ReadExactly(buffer); }
        catch (EndOfStreamException) { throw Damaged(path, kind, "it ended while being read (was it changed meanwhile?)"); }
    }

    /// <summary>Fills <paramref name="destination"/> with little-endian float32 or bfloat16 elements.</summary>
    public static void ReadFloats(Stream stream, Span<float> destination, bool bfloat16, byte[] chunk, string path, string kind)
    {
        if (!bfloat16 && BitConverter.IsLittleEndian)
        {
            ReadExactly(stream, MemoryMarshal.AsBytes(destination), path, kind);   // straight into the tensor
            return;
        }
        int size = bfloat16 ? 2 : 4, perChunk = chunk.Length / size;
        for (int start = 0; start < destination.Length; start += perChunk)
        {
            int n = Math.Min(perChunk, destination.Length - start);
            Span<byte> bytes = chunk.AsSpan(0, n * size);
            ReadExactly(stream, bytes, path, kind);
            Span<float> target = destination.Slice(start, n);
            if (bfloat16) LlmcBFloat16.ToFloat(bytes, target);
            else for (int i = 0; i < n; i++) target[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes[(4 * i)..]);
        }
    }

    /// <summary>Writes float32 or bfloat16 (rounded to nearest even, as PyTorch's cast) elements, little-endian.</summary>
    public static void WriteFloats(Stream stream, ReadOnlySpan<float> source, bool bfloat16, byte[] chunk)
    {
        if (!bfloat16 && BitConverter.IsLittleEndian) { stream.Write(MemoryMarshal.AsBytes(source)); return; }
        int size = bfloat16 ? 2 : 4, perChunk = chunk.Length / size;
        for (int start = 0; start < source.Length; start += perChunk)
        {
            int n = Math.Min(perChunk, source.Length - start);
            Span<byte> bytes = chunk.AsSpan(0, n * size);
            ReadOnlySpan<float> part = source.Slice(start, n);
            if (bfloat16) LlmcBFloat16.FromFloat(part, bytes);
            else for (int i = 0; i < n; i++) BinaryPrimitives.WriteSingleLittleEndian(bytes[(4 * i)..], part[i]);
            stream.Write(bytes);
        }
    }

    /// <summary>Writes <paramref name="count"/> zero elements (the padded vocabulary rows).</summary>
    public static void WriteZeros(Stream stream, long count, bool bfloat16, byte[] chunk)
    {
        long bytes = count * (bfloat16 ? 2 : 4);
        Array.Clear(chunk);
        for (long done = 0; done < bytes; done += chunk.Length)
            stream.Write(chunk, 0, (int)Math.Min(chunk.Length, bytes - done));
    }
}
