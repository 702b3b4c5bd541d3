using System.Runtime.CompilerServices;
using System.Text;
using Nabla.Text.Bpe;
using Nabla.Text.Splitting;

namespace Nabla.Text;

/// <summary>
/// Byte-level byte-pair encoding. Text is cut into chunks by a split pattern (or kept whole), each chunk
/// becomes its UTF-8 bytes, and merges learned from a corpus glue adjacent tokens into longer ones. Three
/// flavours share this class: basic (no pattern), regex (a pattern; trained with <see cref="BpeTrainer"/>),
/// and the pretrained encodings of <see cref="Encodings"/> (gpt2, cl100k_base, o200k_base).
/// </summary>
public sealed class BpeTokenizer : Tokenizer
{
    private readonly BytePairModel _model;
    private readonly CoveringSplitter _splitter;
    private readonly (int Left, int Right)[] _merges;
    private readonly int _vocabSize;

    internal BpeTokenizer(string name, BytePairModel model, string? pattern, IReadOnlyDictionary<string, int>? specialTokens,
        (int Left, int Right)[] merges)
        : base(specialTokens)
    {
        Name = name;
        _model = model;
        Pattern = string.IsNullOrEmpty(pattern) ? null : pattern;
        _splitter = ChunkSplitter.ForPattern(Pattern);
        _merges = merges;
        foreach (var (text, id) in SpecialTokens)
            if ((uint)id > PairTable.MaxId)
                throw new ArgumentOutOfRangeException(nameof(specialTokens), id,
                    $"{name}: special token {Printable.Quote(text)} has id {id}; token ids are in [0, {PairTable.MaxId}]");
        int maxSpecial = SpecialTokens.Count == 0 ? -1 : SpecialTokens.Values.Max();
        _vocabSize = Math.Max(model.TokenBytes.Length, maxSpecial + 1);
    }

    /// <summary>A short name: the encoding's ("gpt2", "cl100k_base") or "trained".</summary>
    public string Name { get; }

    /// <summary>The split pattern, or null for basic BPE over the whole text.</summary>
    public string? Pattern { get; }

    /// <summary>The merges in the order they were learned: merge i makes token 256 + i from (Left, Right).
    /// Empty for the pretrained encodings, which are defined by their ranks.</summary>
    public IReadOnlyList<(int Left, int Right)> Merges => _merges;

    public override int VocabSize => _vocabSize;

    public override ReadOnlySpan<byte> TokenBytes(int id)
    {
        if ((uint)id < (uint)_model.TokenBytes.Length && _model.TokenBytes[id] is { } bytes) return bytes;
        if (SpecialTokenText(id) is { } special) return Encoding.UTF8.GetBytes(special);
        throw new ArgumentOutOfRangeException(nameof(id), $"{Name}: token id {id} is not in the vocabulary");
    }

    /// <summary>True when <paramref name="id"/> is a token: an ordinary one or a special one (a vocabulary may have gaps).</summary>
    public bool Contains(int id) =>
        ((uint)id < (uint)_model.TokenBytes.Length && _model.TokenBytes[id] is not null) || SpecialTokenText(id) is not null;

    /// <summary>The chunks the split pattern cuts <paramref name="text"/> into (what BPE then works on, one at a time);
    /// together they are the whole text.</summary>
    public IReadOnlyList<string> Split(string text)
    {
        var chunks = new List<string>();
        int position = 0;
        while (_splitter.TryNextChunk(text, position, out int start, out int end))
        {
            chunks.Add(text[start..end]);
            position = end;
        }
        return chunks;
    }

    public override void EncodeOrdinary(ReadOnlySpan<char> text, List<int> output)
    {
        ChunkCache cache = _model.Cache;
        for (int position = 0; position < text.Length;)
        {
            int end = _splitter.ChunkEnd(text, position);
            EncodeChunk(text[position..end], output, cache);
            position = end;
        }
    }

    /// <summary>One chunk: to UTF-8 (a lone surrogate becomes U+FFFD's bytes EF BF BD, as in tiktoken), then merges.</summary>
    [SkipLocalsInit]
    private void EncodeChunk(ReadOnlySpan<char> chunk, List<int> output, ChunkCache cache)
    {
        const int StackChars = 128;
        if (chunk.Length <= StackChars)
        {
            Span<byte> buffer = stackalloc byte[StackChars * 3];
            _model.EncodeChunk(buffer[..ToUtf8(chunk, buffer)], output, cache);
            return;
        }
        byte[] rented = System.Buffers.ArrayPool<byte>.Shared.Rent(chunk.Length * 3);
        _model.EncodeChunk(rented.AsSpan(0, ToUtf8(chunk, rented)), output, cache);
        System.Buffers.ArrayPool<byte>.Shared.Return(rented);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int ToUtf8(ReadOnlySpan<char> chars, Span<byte> bytes)
    {
        int i = 0;
        for (; i < chars.Length; i++)
        {
            char c = chars[i];
            if (c >= 0x80) return i + Encoding.UTF8.GetBytes(chars[i..], bytes[i..]);
            bytes[i] = (byte)c;
        }
        return i;
    }

    internal BytePairModel Model => _model;

    /// <summary>Writes PREFIX.model (loads back with <see cref="Load"/>) and PREFIX.vocab (for people).</summary>
    public void Save(string prefix) => BpeModelFile.Save(this, prefix);

    /// <summary>Loads a tokenizer saved with <see cref="Save"/>.</summary>
    public static BpeTokenizer Load(string modelPath) => BpeModelFile.Load(modelPath);
}
