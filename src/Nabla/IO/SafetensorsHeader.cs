using System.Text.Json;
using System.Text.Unicode;
using Nabla.Tensors;

namespace Nabla.IO;

/// <summary>One tensor as the header describes it: where its bytes are, relative to the data after the header.</summary>
internal sealed record SafetensorsEntry(string Name, SafetensorsDType DType, int[] Shape, int Count, long Begin, long End);

/// <summary>
/// The JSON header of a safetensors file, parsed and checked before a single tensor byte is read: every number
/// is checked against the file, so that a hostile header cannot make the reader allocate more than the file
/// holds or read outside it. The entries come back in the order of their bytes.
/// </summary>
internal sealed record SafetensorsHeader(IReadOnlyList<SafetensorsEntry> Entries, IReadOnlyDictionary<string, string> Metadata)
{
    public const string MetadataKey = "__metadata__";
    /// <summary>The reference implementation's limit: a header past it is refused before it is read.</summary>
    public const long MaxLength = 100_000_000;
    /// <summary>More dimensions than any model uses; it bounds what one shape can make the reader allocate.</summary>
    public const int MaxRank = 64;

    /// <summary>Parses <paramref name="json"/> (the header bytes, trailing spaces allowed) for a file whose data
    /// part holds <paramref name="dataLength"/> bytes. Every problem is an <see cref="InvalidDataException"/>
    /// naming <paramref name="source"/>.</summary>
    public static SafetensorsHeader Parse(ReadOnlySpan<byte> json, long dataLength, string source)
    {
        if (json.Length == 0 || json[0] != (byte)'{') throw Safetensors.Damaged(source, "the header does not start with '{'");
        if (!Utf8.IsValid(json)) throw Safetensors.Damaged(source, "the header is not valid UTF-8");
        var entries = new List<SafetensorsEntry>();
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        try
        {
            var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = 8 });
            Expect(ref reader, JsonTokenType.StartObject, "the header", source);
            var names = new HashSet<string>(StringComparer.Ordinal);
            while (Next(ref reader) == JsonTokenType.PropertyName)
            {
                string name = reader.GetString()!;
                if (!names.Add(name)) throw Safetensors.Damaged(source, $"the name '{name}' appears twice in the header");
                if (name == MetadataKey) ReadMetadata(ref reader, metadata, source);
                else entries.Add(ReadEntry(ref reader, name, source));
            }
            if (reader.Read()) throw Safetensors.Damaged(source, "the header has more after its closing '}'");
        }
        catch (JsonException e)
        {
            throw Safetensors.Damaged(source, $"the header is not valid JSON ({e.Message})");
        }
        catch (InvalidOperationException e) // a string escape that decodes to invalid UTF-16, such as a lone "\uD800"
        {
            throw Safetensors.Damaged(source, $"the header holds an invalid string ({e.Message})");
        }
        entries.Sort((a, b) => a.Begin != b.Begin ? a.Begin.CompareTo(b.Begin) : a.End.CompareTo(b.End));
        CheckLayout(entries, dataLength, source);
        return new SafetensorsHeader(entries, metadata);
    }

    /// <summary>The tensors must tile the data exactly: in offset order each begins where the previous ended,
    /// the first at 0 and the last at the end of the file. So no two overlap and no byte is unaccounted for.</summary>
    private static void CheckLayout(List<SafetensorsEntry> entries, long dataLength, string source)
    {
        long expected = 0;
        string? previous = null;
        foreach (var entry in entries)
        {
            if (entry.End > dataLength)
                throw Safetensors.Damaged(source, $"tensor '{entry.Name}' has data_offsets [{entry.Begin}, {entry.End}] past the end of the data ({dataLength} bytes)");
            if (entry.Begin < expected)
                throw Safetensors.Damaged(source, $"tensor '{entry.Name}' (data_offsets [{entry.Begin}, {entry.End}]) overlaps tensor '{previous}', which ends at {expected}");
            if (entry.Begin > expected)
                throw Safetensors.Damaged(source, $"tensor '{entry.Name}' begins at {entry.Begin}, leaving bytes [{expected}, {entry.Begin}) that no tensor holds");
            expected = entry.End;
            previous = entry.Name;
        }
        if (expected != dataLength)
            throw Safetensors.Damaged(source, $"{dataLength - expected} trailing bytes after the last tensor (the tensors hold {expected} of {dataLength} data bytes)");
    }

    private static SafetensorsEntry ReadEntry(ref Utf8JsonReader reader, string name, string source)
    {
        string what = $"tensor '{name}'";
        Expect(ref reader, JsonTokenType.StartObject, what, source);
        string? dtypeName = null;
        int[]? shape = null;
        long[]? offsets = null;
        while (Next(ref reader) == JsonTokenType.PropertyName)
        {
            string field = reader.GetString()!;
            switch (field)
            {
                case "dtype" when dtypeName is null:
                    Expect(ref reader, JsonTokenType.String, $"{what}: dtype", source);
                    dtypeName = reader.GetString()!;
                    break;
                case "shape" when shape is null:
                    shape = ReadShape(ref reader, what, source);
                    break;
                case "data_offsets" when offsets is null:
                    offsets = ReadOffsets(ref reader, what, source);
                    break;
                case "dtype" or "shape" or "data_offsets":
                    throw Safetensors.Damaged(source, $"{what} has '{field}' twice");
                default:
                    reader.Skip(); // the reference ignores fields it does not know, and so do we
                    break;
            }
        }
        if (dtypeName is null || shape is null || offsets is null)
            throw Safetensors.Damaged(source, $"{what} lacks '{(dtypeName is null ? "dtype" : shape is null ? "shape" : "data_offsets")}'");

        if (!SafetensorsDTypes.TryParse(dtypeName, out var dtype))
            throw Safetensors.Damaged(source, $"{what} has unknown dtype '{dtypeName}'");
        if (!SafetensorsDTypes.IsSupported(dtype))
            throw Safetensors.Damaged(source, $"{what} has dtype {dtype}, which Nabla does not read (it reads {SafetensorsDTypes.Readable})");

        long count = 1;
        foreach (int size in shape) count = Math.Min(count * size, (long)int.MaxValue + 1); // capped: cannot overflow
        if (count > Array.MaxLength)
            throw Safetensors.Damaged(source, $"{what} has shape {Shapes.Format(shape)}, more than the {Array.MaxLength} elements one array can hold");
        long bytes = count * SafetensorsDTypes.Size(dtype);
        if (offsets[1] - offsets[0] != bytes)
            throw Safetensors.Damaged(source, $"{what} has shape {Shapes.Format(shape)} of {dtype}, which takes {bytes} bytes, " +
                                              $"but data_offsets [{offsets[0]}, {offsets[1]}] hold {offsets[1] - offsets[0]}");
        return new SafetensorsEntry(name, dtype, shape, (int)count, offsets[0], offsets[1]);
    }

    private static int[] ReadShape(ref Utf8JsonReader reader, string what, string source)
    {
        Expect(ref reader, JsonTokenType.StartArray, $"{what}: shape", source);
        var shape = new List<int>();
        while (Next(ref reader) != JsonTokenType.EndArray)
        {
            if (shape.Count == MaxRank) throw Safetensors.Damaged(source, $"{what} has a shape of more than {MaxRank} dimensions");
            long size = ReadCount(ref reader, $"{what}: a size in its shape", source);
            if (size > int.MaxValue) throw Safetensors.Damaged(source, $"{what} has a dimension of size {size}, more than {int.MaxValue}");
            shape.Add((int)size);
        }
        return shape.ToArray();
    }

    private static long[] ReadOffsets(ref Utf8JsonReader reader, string what, string source)
    {
        Expect(ref reader, JsonTokenType.StartArray, $"{what}: data_offsets", source);
        var offsets = new List<long>(2);
        while (Next(ref reader) != JsonTokenType.EndArray)
        {
            if (offsets.Count == 2) throw Safetensors.Damaged(source, $"{what} has more than two data_offsets");
            offsets.Add(ReadCount(ref reader, $"{what}: data_offsets", source));
        }
        if (offsets.Count != 2) throw Safetensors.Damaged(source, $"{what} has {offsets.Count} data_offsets instead of two [begin, end]");
        if (offsets[1] < offsets[0]) throw Safetensors.Damaged(source, $"{what} has data_offsets [{offsets[0]}, {offsets[1]}] that end before they begin");
        return offsets.ToArray();
    }

    /// <summary>A non-negative integer written as such (no fraction, no exponent).</summary>
    private static long ReadCount(ref Utf8JsonReader reader, string what, string source)
    {
        if (reader.TokenType != JsonTokenType.Number) throw Safetensors.Damaged(source, $"{what} is {Describe(reader.TokenType)}, not a number");
        ReadOnlySpan<byte> digits = reader.ValueSpan;
        if (digits.IndexOfAnyExcept("0123456789-"u8) >= 0 || !reader.TryGetInt64(out long value))
            throw Safetensors.Damaged(source, $"{what} is {System.Text.Encoding.UTF8.GetString(digits)}, not an integer that fits 64 bits");
        if (value < 0) throw Safetensors.Damaged(source, $"{what} is negative ({value})");
        return value;
    }

    private static void ReadMetadata(ref Utf8JsonReader reader, Dictionary<string, string> metadata, string source)
    {
        if (Next(ref reader) == JsonTokenType.Null) return;
        Expect(ref reader, JsonTokenType.StartObject, MetadataKey, source, alreadyRead: true);
        while (Next(ref reader) == JsonTokenType.PropertyName)
        {
            string key = reader.GetString()!;
            Expect(ref reader, JsonTokenType.String, $"{MetadataKey} entry '{key}'", source);
            if (!metadata.TryAdd(key, reader.GetString()!)) throw Safetensors.Damaged(source, $"{MetadataKey} has the key '{key}' twice");
        }
    }

    private static JsonTokenType Next(ref Utf8JsonReader reader)
    {
        if (!reader.Read()) throw new JsonException("the header ends too early");
        return reader.TokenType;
    }

    private static void Expect(ref Utf8JsonReader reader, JsonTokenType token, string what, string source, bool alreadyRead = false)
    {
        if (!alreadyRead) Next(ref reader);
        if (reader.TokenType != token) throw Safetensors.Damaged(source, $"{what} is {Describe(reader.TokenType)}, not {Describe(token)}");
    }

    private static string Describe(JsonTokenType token) => token switch
    {
        JsonTokenType.StartObject => "an object",
        JsonTokenType.StartArray => "an array",
        JsonTokenType.String => "a string",
        JsonTokenType.Number => "a number",
        JsonTokenType.True or JsonTokenType.False => "a boolean",
        JsonTokenType.Null => "null",
        _ => token.ToString(),
    };
}
