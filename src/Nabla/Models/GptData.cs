using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Nabla.Data;
using Nabla.IO;
using Nabla.Tensors;
using Nabla.Text;

namespace Nabla.Models;

/// <summary>Tokens written by <see cref="GptData.Prepare"/>.</summary>
public sealed record PreparedCounts(int VocabSize, int TrainTokens, int ValTokens);

/// <summary>
/// A prepared data folder, nanoGPT's layout: <c>train.bin</c> and <c>val.bin</c> (uint16 token ids, see
/// <see cref="TokenFile"/>) and <c>meta.json</c>, which names the tokenizer and, for characters, lists the
/// vocabulary in id order. The first 90 % of the text is for training, the last 10 % for validation.
/// </summary>
public sealed class GptData
{
    public const string MetaFile = "meta.json", TrainFile = "train.bin", ValFile = "val.bin";
    public const long MaxInputBytes = 1L << 30;

    private GptData(string path, JsonObject meta, Tokenizer tokenizer, ushort[] train, ushort[] val)
    {
        (Path, Meta, Tokenizer, Train, Val) = (path, meta, tokenizer, train, val);
    }

    public string Path { get; }

    /// <summary>meta.json: "tokenizer" (char or gpt2), "vocab_size", and for char the "chars" in id order.</summary>
    public JsonObject Meta { get; }

    public Tokenizer Tokenizer { get; }
    public int VocabSize => Tokenizer.VocabSize;
    public ushort[] Train { get; }
    public ushort[] Val { get; }

    /// <summary>
    /// Tokenizes <paramref name="inputPath"/> (UTF-8) with <paramref name="tokenizer"/> ("char": its own distinct
    /// characters, sorted; "gpt2": GPT-2's encoding) and writes the folder <paramref name="outDir"/>. The text is
    /// cut at int(0.9 · characters), as nanoGPT's prepare.py.
    /// </summary>
    public static PreparedCounts Prepare(string inputPath, string tokenizer, string outDir)
    {
        string text = InputFile.DecodeUtf8(InputFile.ReadBytes(inputPath, MaxInputBytes, "input file"), $"input file '{inputPath}'", replaceInvalid: false);
        if (text.Length == 0) throw new InvalidDataException($"input file '{inputPath}' is empty");
        int characters = 0;
        foreach (Rune _ in text.EnumerateRunes()) characters++;
        int cut = (int)(characters * 0.9), at = 0, index = 0;
        foreach (Rune rune in text.EnumerateRunes())
        {
            if (index++ == cut) break;
            at += rune.Utf16SequenceLength;
        }

        var meta = new JsonObject { ["tokenizer"] = tokenizer };
        Tokenizer tok;
        switch (tokenizer)
        {
            case "char":
                var chars = CharTokenizer.FromText(text);
                meta["chars"] = string.Concat(chars.CodePoints.Select(cp => new Rune(cp).ToString()));
                tok = chars;
                break;
            case "gpt2":
                tok = Encodings.Gpt2;
                break;
            default:
                throw new ArgumentException($"--tokenizer: unknown tokenizer '{tokenizer}' (known: char, gpt2)");
        }
        if (tok.VocabSize > TokenFile.MaxVocabulary)
            throw new InvalidDataException($"input file '{inputPath}': {tok.VocabSize:N0} distinct characters do not fit in uint16 token files");
        meta["vocab_size"] = tok.VocabSize;
        int[] train = tok.EncodeOrdinary(text.AsSpan(0, at)), val = tok.EncodeOrdinary(text.AsSpan(at));
        Directory.CreateDirectory(outDir);
        TokenFile.Write(System.IO.Path.Combine(outDir, TrainFile), train);
        TokenFile.Write(System.IO.Path.Combine(outDir, ValFile), val);
        File.WriteAllText(System.IO.Path.Combine(outDir, MetaFile), meta.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
        return new PreparedCounts(tok.VocabSize, train.Length, val.Length);
    }

    /// <summary>Reads a folder made by <see cref="Prepare"/>; errors name the folder and the file that is missing or wrong.</summary>
    public static GptData Load(string dir)
    {
        if (!Directory.Exists(dir)) throw new DirectoryNotFoundException($"data folder '{dir}' not found (make one with: nabla gpt prepare --input FILE --out {dir})");
        foreach (string file in new[] { MetaFile, TrainFile, ValFile })
            if (!File.Exists(System.IO.Path.Combine(dir, file)))
                throw new FileNotFoundException($"data folder '{dir}' has no {file} (make it with: nabla gpt prepare --input FILE --out {dir})");
        string metaPath = System.IO.Path.Combine(dir, MetaFile);
        JsonObject meta;
        try { meta = JsonNode.Parse(File.ReadAllText(metaPath)) as JsonObject ?? throw new InvalidDataException($"{metaPath}: not a JSON object"); }
        catch (JsonException e) { throw new InvalidDataException($"{metaPath}: not valid JSON ({e.Message})"); }
        Tokenizer tokenizer = TokenizerOf(meta, metaPath);
        ushort[] train = TokenFile.Read(System.IO.Path.Combine(dir, TrainFile)), val = TokenFile.Read(System.IO.Path.Combine(dir, ValFile));
        foreach (var (name, tokens) in new[] { (TrainFile, train), (ValFile, val) })
        {
            int max = tokens.Length == 0 ? -1 : tokens.Max();
            if (max >= tokenizer.VocabSize)
                throw new InvalidDataException($"{System.IO.Path.Combine(dir, name)}: token {max} is outside the vocabulary of {tokenizer.VocabSize} in {MetaFile}");
        }
        return new GptData(System.IO.Path.GetFullPath(dir), meta, tokenizer, train, val);
    }

    /// <summary>
    /// The tokenizer that <paramref name="meta"/> describes (a data folder's meta.json, or a run's config.json,
    /// which carries the same fields); a vocab_size that disagrees with the tokenizer is an error naming <paramref name="source"/>.
    /// </summary>
    public static Tokenizer TokenizerOf(JsonObject meta, string source)
    {
        string? name = meta["tokenizer"] is JsonValue n && n.TryGetValue(out string? s) ? s : null;
        Tokenizer tokenizer = name switch
        {
            "char" => new CharTokenizer((meta["chars"] is JsonValue c && c.TryGetValue(out string? chars) ? chars
                : throw new InvalidDataException($"{source}: a char tokenizer needs 'chars', its vocabulary")).EnumerateRunes().Select(r => r.Value)),
            "gpt2" => Encodings.Gpt2,
            _ => throw new InvalidDataException($"{source}: 'tokenizer' must be char or gpt2, got {meta["tokenizer"]?.ToJsonString() ?? "nothing"}"),
        };
        int? declared = meta["vocab_size"] is JsonValue v && v.TryGetValue(out int size) ? size : null;
        if (declared != tokenizer.VocabSize)
            throw new InvalidDataException($"{source}: vocabulary mismatch: vocab_size is {declared?.ToString() ?? "missing"}, the {name} tokenizer has {tokenizer.VocabSize}");
        return tokenizer;
    }

    /// <summary>
    /// A batch of <paramref name="batchSize"/> windows at random offsets of <paramref name="tokens"/>, as nanoGPT's
    /// get_batch: x = data[i : i + T], y = data[i + 1 : i + T + 1], both (B, T) int32.
    /// </summary>
    public static (Tensor X, Tensor Y) Batch(ushort[] tokens, int batchSize, int blockSize, Generator generator)
    {
        if (tokens.Length <= blockSize)
            throw new InvalidDataException($"GptData: {tokens.Length:N0} tokens are too few for windows of block size {blockSize} (need at least {blockSize + 1})");
        var x = new int[batchSize * blockSize];
        var y = new int[batchSize * blockSize];
        for (int b = 0; b < batchSize; b++)
        {
            int i = generator.NextInt(0, tokens.Length - blockSize);
            for (int t = 0; t < blockSize; t++)
            {
                x[b * blockSize + t] = tokens[i + t];
                y[b * blockSize + t] = tokens[i + t + 1];
            }
        }
        return (Tensor.FromArray(x, batchSize, blockSize), Tensor.FromArray(y, batchSize, blockSize));
    }
}
