using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Nabla.Tensors;

namespace Nabla.IO;

/// <summary>What a safetensors file holds: named tensors, in the order of their bytes, and the free-form
/// string metadata of its <c>__metadata__</c> entry (empty when it has none).</summary>
public sealed record SafetensorsFile(IReadOnlyDictionary<string, Tensor> Tensors, IReadOnlyDictionary<string, string> Metadata);

/// <summary>
/// Hugging Face's safetensors format, the one PyTorch checkpoints and the Hugging Face hub use:
/// <code>
/// [8 bytes: N, little-endian u64] [N bytes: JSON header, space-padded] [data: every tensor's bytes, back to back]
/// header: {"__metadata__": {"k": "v"}, "name": {"dtype": "F32", "shape": [2, 3], "data_offsets": [0, 24]}, ...}
/// </code>
/// Offsets are [begin, end) within the data; elements are little-endian, row-major. No code is run and nothing
/// is trusted: the whole header is checked before any tensor is read (see <see cref="SafetensorsHeader"/>), and a
/// file that breaks the format is refused with an <see cref="InvalidDataException"/> naming the file and the fault.
/// Tensors are plain <see cref="Tensor"/>s, so a module's state dict (name → tensor) saves and loads as it is.
/// </summary>
public static class Safetensors
{
    internal const int ChunkBytes = 1 << 20; // F16/BF16/F64/I64 are converted through a buffer of this size

    // ---- reading -----------------------------------------------------------------------------------------

    /// <summary>Reads every tensor of a safetensors file: F32, F16, BF16 and F64 as float32 tensors, I32 and
    /// I64 as int32 tensors.</summary>
    /// <exception cref="InvalidDataException">The file is not a valid safetensors file, or holds what Nabla does
    /// not read; the message names the file and the fault.</exception>
    public static SafetensorsFile Load(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 16);
        return Load(stream, path);
    }

    /// <summary>Reads a safetensors file from a seekable stream; <paramref name="source"/> names it in errors.</summary>
    internal static SafetensorsFile Load(Stream stream, string source)
    {
        SafetensorsHeader header = ReadHeader(stream, source, out long dataStart);
        var tensors = new Dictionary<string, Tensor>(header.Entries.Count, StringComparer.Ordinal);
        byte[] chunk = ArrayPool<byte>.Shared.Rent(ChunkBytes);
        try
        {
            stream.Position = dataStart;
            foreach (var entry in header.Entries) tensors.Add(entry.Name, ReadTensor(stream, entry, chunk, source));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }
        return new SafetensorsFile(tensors, header.Metadata);
    }

    /// <summary>The name and shape of every tensor in a file, in the order of their bytes, read from the header
    /// alone: no tensor byte is read, so a report can describe a checkpoint of any size. The header is checked as
    /// <see cref="Load(string)"/> checks it.</summary>
    public static IReadOnlyList<(string Name, int[] Shape)> ReadShapes(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 16);
        return ReadHeader(stream, path, out _).Entries.Select(e => (e.Name, e.Shape.ToArray())).ToList();
    }

    internal static SafetensorsHeader ReadHeader(Stream stream, string source, out long dataStart)
    {
        long fileLength = stream.Length;
        if (fileLength < 8) throw Damaged(source, $"it is {fileLength} bytes long, shorter than the 8-byte header length");
        Span<byte> prefix = stackalloc byte[8];
        ReadExactly(stream, prefix, source);
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(prefix);
        if (headerLength > SafetensorsHeader.MaxLength)
            throw Damaged(source, $"its header length {headerLength} is over the limit of {SafetensorsHeader.MaxLength} bytes");
        if ((long)headerLength > fileLength - 8)
            throw Damaged(source, $"its header length {headerLength} runs past the end of the file ({fileLength} bytes)");

        var json = new byte[headerLength];
        ReadExactly(stream, json, source);
        dataStart = 8 + (long)headerLength;
        return SafetensorsHeader.Parse(json, fileLength - dataStart, source);
    }

    /// <summary>Reads one tensor's bytes (the stream is at its begin offset: entries are in offset order and
    /// tile the data) and converts them, a chunk at a time, into a new float32 or int32 tensor.</summary>
    private static Tensor ReadTensor(Stream stream, SafetensorsEntry entry, byte[] chunk, string source)
    {
        if (SafetensorsDTypes.IsFloat(entry.DType))
        {
            var floats = new float[entry.Count];
            ReadFloats(stream, entry, floats, chunk, source);
            return new Tensor(floats, entry.Shape);
        }
        int size = SafetensorsDTypes.Size(entry.DType);
        int perChunk = chunk.Length / size;
        var ints = new int[entry.Count];
        for (int start = 0; start < entry.Count; start += perChunk)
        {
            int n = Math.Min(perChunk, entry.Count - start);
            Span<byte> bytes = chunk.AsSpan(0, n * size);
            ReadExactly(stream, bytes, source);
            if (!SafetensorsDTypes.TryToInt(entry.DType, bytes, ints.AsSpan(start, n), out int bad))
                throw Damaged(source, $"tensor '{entry.Name}' ({entry.DType}) holds {BinaryPrimitives.ReadInt64LittleEndian(bytes[(8 * bad)..])} " +
                                      $"at element {start + bad}, which does not fit the int32 that Nabla reads integers into");
        }
        return new Tensor(ints, entry.Shape);
    }

    /// <summary>Reads one float tensor's bytes (the stream is at its begin offset) into <paramref name="destination"/>
    /// (its element count long), converting a chunk at a time, so no second copy of the tensor is ever made.</summary>
    internal static void ReadFloats(Stream stream, SafetensorsEntry entry, Span<float> destination, byte[] chunk, string source)
    {
        int size = SafetensorsDTypes.Size(entry.DType);
        int perChunk = chunk.Length / size;
        for (int start = 0; start < entry.Count; start += perChunk)
        {
            int n = Math.Min(perChunk, entry.Count - start);
            Span<byte> bytes = chunk.AsSpan(0, n * size);
            ReadExactly(stream, bytes, source);
            SafetensorsDTypes.ToFloat(entry.DType, bytes, destination.Slice(start, n));
        }
    }

    private static void ReadExactly(Stream stream, Span<byte> buffer, string source)
    {
        try { stream.ReadExactly(buffer); }
        catch (EndOfStreamException) { throw Damaged(source, "it ended while being read (was it changed meanwhile?)"); }
    }

    internal static InvalidDataException Damaged(string source, string what) =>
        new($"{source}: not a valid safetensors file: {what}");

    // ---- writing -----------------------------------------------------------------------------------------

    /// <summary>
    /// Writes <paramref name="tensors"/> (float32 as F32, int32 as I32) and <paramref name="metadata"/> to
    /// <paramref name="path"/>, atomically: the bytes go to a temporary file beside it, are flushed to disk and
    /// then renamed over the target, so a crash while saving leaves the previous file whole. Tensors are laid out
    /// in ordinal order of their names; the header is padded with spaces so that the data starts 8-byte aligned.
    /// </summary>
    /// <exception cref="ArgumentException">A name is <c>__metadata__</c> or not valid UTF-16 (a lone surrogate).</exception>
    public static void Save(string path, IReadOnlyDictionary<string, Tensor> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var ordered = tensors.OrderBy(pair => pair.Key, StringComparer.Ordinal).ToArray();
        byte[] header = Header(ordered, metadata ?? new Dictionary<string, string>());
        AtomicFile.Write(path, stream =>
        {
            Span<byte> prefix = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(prefix, (ulong)header.Length);
            stream.Write(prefix);
            stream.Write(header);
            foreach (var (_, tensor) in ordered) WriteData(stream, tensor);
        });
    }

    private static byte[] Header(KeyValuePair<string, Tensor>[] tensors, IReadOnlyDictionary<string, string> metadata)
    {
        var buffer = new ArrayBufferWriter<byte>();
        // Relaxed escaping keeps names such as "h.0.attn+x" readable; the output is still plain JSON.
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            if (metadata.Count > 0)
            {
                json.WriteStartObject(SafetensorsHeader.MetadataKey);
                foreach (var (key, value) in metadata.OrderBy(pair => pair.Key, StringComparer.Ordinal))
                    json.WriteString(CheckText(key, "metadata key"), CheckText(value, $"metadata value of '{key}'"));
                json.WriteEndObject();
            }
            long offset = 0;
            foreach (var (name, tensor) in tensors)
            {
                if (name == SafetensorsHeader.MetadataKey) throw new ArgumentException($"Safetensors.Save: '{name}' cannot name a tensor; it is the metadata key");
                json.WriteStartObject(CheckText(name, "tensor name"));
                json.WriteString("dtype", tensor.DType == DType.Float32 ? "F32" : "I32");
                json.WriteStartArray("shape");
                foreach (int size in tensor.Shape) json.WriteNumberValue(size);
                json.WriteEndArray();
                long end = offset + 4L * tensor.Count;
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(offset);
                json.WriteNumberValue(end);
                json.WriteEndArray();
                json.WriteEndObject();
                offset = end;
            }
            json.WriteEndObject();
        }
        int padded = (buffer.WrittenCount + 8 + 7) / 8 * 8 - 8;
        var header = new byte[padded];
        header.AsSpan().Fill((byte)' ');
        buffer.WrittenSpan.CopyTo(header);
        return header;
    }

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private static string CheckText(string text, string what)
    {
        try { StrictUtf8.GetByteCount(text); }
        catch (EncoderFallbackException) { throw new ArgumentException($"Safetensors.Save: the {what} '{text}' is not valid UTF-16 (it holds a lone surrogate)"); }
        return text;
    }

    /// <summary>The elements in row-major order, little-endian, straight from the storage when it is contiguous.</summary>
    private static void WriteData(Stream stream, Tensor tensor)
    {
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("Safetensors.Save: big-endian machines are not supported");
        tensor.EnsureAlive("Safetensors.Save");
        if (tensor.DType == DType.Float32)
            stream.Write(MemoryMarshal.AsBytes(tensor.IsContiguous ? tensor.data.AsSpan(tensor.offset, tensor.Count) : tensor.ToArray()));
        else
            stream.Write(MemoryMarshal.AsBytes(tensor.IsContiguous ? tensor.intData.AsSpan(tensor.offset, tensor.Count) : tensor.ToIntArray()));
    }
}
