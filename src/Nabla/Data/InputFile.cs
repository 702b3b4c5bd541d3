using System.Text;

namespace Nabla.Data;

/// <summary>
/// Reads a whole file or stream with a size limit, so that an endless input (<c>/dev/zero</c>, a pipe that
/// never closes) or a huge one is refused with its name, before or while reading, rather than read until the
/// process runs out of memory. Text is decoded strictly: bytes that are not UTF-8 are an error naming their
/// offset, or are replaced by U+FFFD only when the caller asks for it.
/// </summary>
public static class InputFile
{
    /// <summary>The bytes of <paramref name="path"/>; <paramref name="what"/> names it in errors ("input file").</summary>
    public static byte[] ReadBytes(string path, long maxBytes, string what)
    {
        if (Directory.Exists(path)) throw new IOException($"{what} '{path}' is a directory, not a file");
        if (!File.Exists(path)) throw new FileNotFoundException($"{what} '{path}' not found", path);
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
        return ReadBytes(stream, $"{what} '{path}'", maxBytes);
    }

    /// <summary>The bytes left in <paramref name="stream"/>, at most <paramref name="maxBytes"/> of them;
    /// <paramref name="name"/> names the stream in errors.</summary>
    public static byte[] ReadBytes(Stream stream, string name, long maxBytes)
    {
        maxBytes = Math.Min(maxBytes, Array.MaxLength - 1);
        long known = stream.CanSeek ? stream.Length - stream.Position : -1;   // 0 for /dev/zero: read and see
        if (known > maxBytes) throw TooLarge(name, maxBytes, known);
        // Pieces of growing size, copied into one array at the end: a buffer that doubled would leave its old
        // copies behind (up to twice the limit), and an endless input must fail at the limit, not before.
        var pieces = new List<byte[]>();
        long total = 0;
        int size = (int)Math.Clamp(known + 1, 1 << 16, 1 << 24);
        while (true)
        {
            var piece = new byte[(int)Math.Min(size, maxBytes + 1 - total)];
            int filled = 0, read;
            while (filled < piece.Length && (read = stream.Read(piece, filled, piece.Length - filled)) > 0) filled += read;
            pieces.Add(piece);
            total += filled;
            if (total > maxBytes) throw TooLarge(name, maxBytes, -1);
            if (filled < piece.Length)
            {
                pieces[^1] = piece[..filled];
                break;
            }
            size = Math.Min(size * 2, 1 << 24);
        }
        if (pieces.Count == 1) return pieces[0];
        var bytes = new byte[total];
        long offset = 0;
        foreach (byte[] piece in pieces)
        {
            piece.CopyTo(bytes, offset);
            offset += piece.Length;
        }
        return bytes;
    }

    private static InvalidDataException TooLarge(string name, long maxBytes, long size) =>
        new($"{name} is larger than the limit of {maxBytes:N0} bytes{(size >= 0 ? $" ({size:N0} bytes)" : " (it did not end)")}");

    /// <summary>The offset of the first byte that is not part of valid UTF-8, or -1 when all of it is.</summary>
    public static long FirstInvalidUtf8(ReadOnlySpan<byte> bytes)
    {
        if (System.Text.Unicode.Utf8.IsValid(bytes)) return -1;
        long offset = 0;
        while (!bytes.IsEmpty)
        {
            if (Rune.DecodeFromUtf8(bytes, out _, out int consumed) != System.Buffers.OperationStatus.Done) return offset;
            bytes = bytes[consumed..];
            offset += consumed;
        }
        return -1;
    }

    /// <summary>UTF-8 bytes as text. Invalid bytes are an <see cref="InvalidUtf8Exception"/> naming the first one,
    /// its offset and line, unless <paramref name="replaceInvalid"/> (then each becomes U+FFFD).</summary>
    public static string DecodeUtf8(ReadOnlySpan<byte> bytes, string name, bool replaceInvalid)
    {
        if (!replaceInvalid && FirstInvalidUtf8(bytes) is var offset and >= 0)
        {
            int line = bytes[..(int)offset].Count((byte)'\n') + 1;
            throw new InvalidUtf8Exception($"{name} is not valid UTF-8: byte 0x{bytes[(int)offset]:X2} at offset {offset} (line {line})", offset);
        }
        if (bytes.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF])) bytes = bytes[3..];   // a byte-order mark is no text
        return Encoding.UTF8.GetString(bytes);
    }
}

/// <summary>Input that should be UTF-8 and is not; <see cref="Offset"/> is the first invalid byte.</summary>
public sealed class InvalidUtf8Exception(string message, long offset) : FormatException(message)
{
    public long Offset { get; } = offset;
}
