using System.Buffers.Text;
using System.IO.Compression;
using Nabla.Text.Bpe;

namespace Nabla.Text;

/// <summary>
/// Reads tiktoken rank files: one token per line, <c>BASE64(bytes) RANK</c>, where the rank is both the
/// token id and the order of its merge. The three OpenAI files ship, deflate-compressed, inside the NuGet
/// data packages Microsoft.ML.Tokenizers.Data.*, in a compact form of the same format: a first line
/// <c>Capacity: N</c>, then one <c>BASE64</c> per line whose rank is its position. Both forms are read here;
/// only the data of those packages is used.
/// </summary>
public static class TiktokenFile
{
    /// <summary>Largest rank accepted: the largest id the merge table packs (21 bits), far above any real vocabulary.</summary>
    public const int MaxRank = PairTable.MaxId;

    /// <summary>Largest rank file read (o200k_base's is 3.6 MB).</summary>
    public const long MaxFileBytes = 64L << 20;

    /// <summary>Reads a rank file: the bytes of each rank (index = rank; null for unused ranks).
    /// Errors name <paramref name="fileName"/> and the line.</summary>
    public static byte[]?[] ReadRanks(Stream stream, string fileName) => ReadRanks(stream, fileName, out _);

    private static byte[]?[] ReadRanks(Stream stream, string fileName, out int[] lineOfRank)
    {
        ReadOnlySpan<byte> data = Nabla.Data.InputFile.ReadBytes(stream, $"rank file '{fileName}'", MaxFileBytes);

        var tokens = new List<byte[]?>();
        var lines = new List<int>();
        var decoded = new byte[1024];
        int lineNumber = 0, count = 0, capacity = -1;
        while (!data.IsEmpty)
        {
            lineNumber++;
            int newline = data.IndexOf((byte)'\n');
            ReadOnlySpan<byte> line = newline < 0 ? data : data[..newline];
            data = newline < 0 ? default : data[(newline + 1)..];
            if (!line.IsEmpty && line[^1] == '\r') line = line[..^1];
            if (line.IsEmpty) continue;

            if (lineNumber == 1 && line.StartsWith("Capacity:"u8))
            {
                // The compact form's header; the data packages announce one more than their token count.
                if (!int.TryParse(line["Capacity:"u8.Length..], System.Globalization.NumberStyles.AllowLeadingWhite, null, out capacity) || capacity < 0)
                    throw Error(fileName, lineNumber, $"{Text(line)} is not 'Capacity: N'");
                continue;
            }

            // `BASE64 RANK`, or in the compact form `BASE64` alone: the rank is the token's position.
            int space = line.IndexOf((byte)' ');
            if (space == 0 || (space > 0 && line[(space + 1)..].IndexOf((byte)' ') >= 0))
                throw Error(fileName, lineNumber, "expected 'BASE64 RANK' (or 'BASE64' alone in the compact form)");
            ReadOnlySpan<byte> base64 = space < 0 ? line : line[..space];
            if (base64.Length > decoded.Length * 4 / 3) throw Error(fileName, lineNumber, $"token of {base64.Length} base64 characters is too long");
            if (Base64.DecodeFromUtf8(base64, decoded, out _, out int length) != System.Buffers.OperationStatus.Done || length == 0)
                throw Error(fileName, lineNumber, $"{Text(base64)} is not base64 text of a token");
            int rank = count;
            if (space > 0 && !int.TryParse(line[(space + 1)..], System.Globalization.NumberStyles.None, null, out rank))
                throw Error(fileName, lineNumber, $"rank {Text(line[(space + 1)..])} is not a non-negative integer");
            if (rank > MaxRank) throw Error(fileName, lineNumber, $"rank {rank} is out of range (at most {MaxRank})");
            while (tokens.Count <= rank) { tokens.Add(null); lines.Add(0); }
            lines[rank] = lineNumber;
            if (tokens[rank] is not null) throw Error(fileName, lineNumber, $"rank {rank} appears twice");
            tokens[rank] = decoded.AsSpan(0, length).ToArray();
            count++;
        }
        if (count == 0) throw new FormatException($"{fileName}: no tokens (the file is empty or truncated)");
        if (capacity >= 0 && (count < capacity - 1 || count > capacity))
            throw new FormatException($"{fileName}:{lineNumber}: the header announces capacity {capacity} but the file holds {count} tokens (truncated?)");
        lineOfRank = lines.ToArray();
        return tokens.ToArray();
    }

    private static string Text(ReadOnlySpan<byte> bytes) => Printable.Quote(bytes, 40);

    private static FormatException Error(string file, int line, string what) => new($"{file}:{line}: {what}");

    /// <summary>A rank file as a tokenizer: every split of a token into two tokens is a merge into it.</summary>
    public static BpeTokenizer Load(Stream stream, string fileName, string? pattern, IReadOnlyDictionary<string, int>? specialTokens, string? name = null)
    {
        byte[]?[] tokens = ReadRanks(stream, fileName, out int[] lineOfRank);
        return FromRanks(tokens, fileName, pattern, specialTokens, name ?? Path.GetFileNameWithoutExtension(fileName), lineOfRank);
    }

    public static BpeTokenizer Load(string path, string? pattern, IReadOnlyDictionary<string, int>? specialTokens)
    {
        using var stream = new MemoryStream(Nabla.Data.InputFile.ReadBytes(path, MaxFileBytes, "rank file"), writable: false);
        return Load(stream, path, pattern, specialTokens);
    }

    internal static BpeTokenizer FromRanks(byte[]?[] tokens, string fileName, string? pattern, IReadOnlyDictionary<string, int>? specialTokens,
        string name, int[] lineOfRank)
    {
        ByteSequenceTable table;
        try { table = new ByteSequenceTable(tokens); }
        catch (ByteSequenceTable.DuplicateException e)
        {
            throw new FormatException($"{fileName}:{lineOfRank[e.Id]}: token of rank {e.Id} has the same bytes as the token of rank {e.Existing}");
        }

        var byteToToken = new int[256];
        for (int b = 0; b < 256; b++)
        {
            byteToToken[b] = table.Find([(byte)b]);
            if (byteToToken[b] < 0) throw new FormatException($"{fileName}: no token for the single byte 0x{b:X2}; a byte-level vocabulary needs all 256");
        }
        if (specialTokens is not null)
            foreach (var (text, id) in specialTokens)
            {
                if ((uint)id > MaxRank)
                    throw new FormatException($"{fileName}: special token {Printable.Quote(text)} has id {id}, outside [0, {MaxRank}]");
                if (id < tokens.Length && tokens[id] is not null)
                    throw new FormatException($"{fileName}: special token {Printable.Quote(text)} has id {id}, which an ordinary token already has");
            }

        // tiktoken merges two adjacent parts when their concatenation is a token. The parts are always tokens,
        // so that rule is a table over pairs of tokens: for each token, each way to cut it into two tokens.
        int splits = 0;
        foreach (var token in tokens) if (token is not null) splits += token.Length - 1;
        var merges = new PairTable(splits);
        for (int id = 0; id < tokens.Length; id++)
        {
            byte[]? token = tokens[id];
            if (token is null || token.Length < 2) continue;
            for (int cut = 1; cut < token.Length; cut++)
            {
                int left = table.Find(token.AsSpan(0, cut));
                if (left < 0) continue;
                int right = table.Find(token.AsSpan(cut));
                if (right >= 0) merges.TryAdd(left, right, id);
            }
        }
        return new BpeTokenizer(name, new BytePairModel(byteToToken, tokens, merges, table), pattern, specialTokens, []);
    }

    /// <summary>The deflate-compressed rank file embedded in one of the Microsoft.ML.Tokenizers.Data assemblies.</summary>
    internal static Stream OpenEmbedded(string assemblyName, string resource)
    {
        // The data assemblies' types are internal, so they are found by name (they ship beside ours).
        System.Reflection.Assembly assembly;
        try { assembly = System.Reflection.Assembly.Load(new System.Reflection.AssemblyName(assemblyName)); }
        catch (IOException e) { throw new FileNotFoundException($"the data assembly {assemblyName} (NuGet package of that name) was not found: {e.Message}", e); }
        Stream? compressed = assembly.GetManifestResourceStream(resource)
            ?? throw new FileNotFoundException($"resource '{resource}' not found in {assemblyName}");
        return new DeflateStream(compressed, CompressionMode.Decompress);
    }
}
