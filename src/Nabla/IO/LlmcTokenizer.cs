using System.Text;
using Nabla.Text;

namespace Nabla.IO;

/// <summary>
/// llm.c's tokenizer file (gpt2_tokenizer.bin): the bytes of every token, so that C code can turn generated ids
/// back into text without a BPE implementation. As train_gpt2.py's write_tokenizer writes it and
/// llmc/tokenizer.h reads it: a header of 256 int32 <c>[20240328, version, vocab_size, eot_token, 0 …]</c>, then
/// for each id in order one uint8 length (1 to 255) and that many bytes. Version 1 has no EOT field: it was
/// written for GPT-2 only, with 50,257 tokens and <c>&lt;|endoftext|&gt;</c> = 50,256.
/// </summary>
public sealed class LlmcTokenizer
{
    public const int CurrentVersion = 2;
    private const string Kind = "llm.c tokenizer";
    private const int Gpt2VocabSize = 50257, Gpt2EndOfText = 50256;

    private readonly byte[][] _tokens;

    private LlmcTokenizer(int version, byte[][] tokens, int eotToken)
    {
        Version = version;
        _tokens = tokens;
        EotToken = eotToken;
    }

    public int Version { get; }
    public int VocabSize => _tokens.Length;

    /// <summary>The id of <c>&lt;|endoftext|&gt;</c>, which separates documents.</summary>
    public int EotToken { get; }

    /// <summary>The bytes token <paramref name="id"/> stands for.</summary>
    public ReadOnlySpan<byte> TokenBytes(int id)
    {
        CheckId(id, 0);
        return _tokens[id];
    }

    /// <summary>The bytes the ids stand for, one token after another.</summary>
    public byte[] DecodeBytes(ReadOnlySpan<int> ids)
    {
        var output = new List<byte>(ids.Length * 4);
        for (int i = 0; i < ids.Length; i++)
        {
            CheckId(ids[i], i);
            output.AddRange(_tokens[ids[i]]);
        }
        return output.ToArray();
    }

    /// <summary>The text the ids stand for; bytes that are not UTF-8 become U+FFFD.</summary>
    public string Decode(ReadOnlySpan<int> ids) => Encoding.UTF8.GetString(DecodeBytes(ids));

    private void CheckId(int id, int position)
    {
        if ((uint)id >= (uint)_tokens.Length)
            throw new ArgumentOutOfRangeException(nameof(id), $"LlmcTokenizer: token id {id} at position {position} is outside the vocabulary [0, {_tokens.Length})");
    }

    /// <summary>Reads a tokenizer file of version 1 or 2.</summary>
    /// <exception cref="InvalidDataException">Not a valid llm.c tokenizer file; the message names the file and the field.</exception>
    public static LlmcTokenizer Read(string path)
    {
        using FileStream file = LlmcFormat.OpenRead(path);
        int[] header = LlmcFormat.ReadHeader(file, path, Kind, LlmcFormat.TokenizerMagic);
        int version = header[1];
        if (version is not (1 or 2))
            throw LlmcFormat.Damaged(path, Kind, $"header field version is {version}; known versions are 1 and 2");
        long payload = file.Length - LlmcFormat.HeaderBytes;
        // Each token takes at least two bytes (its length and one byte): a larger count cannot be in the file.
        int vocabSize = LlmcFormat.Positive(header, 2, "vocab_size", Array.MaxLength, path, Kind);
        if (vocabSize > payload / 2)
            throw LlmcFormat.Damaged(path, Kind, $"header field vocab_size is {vocabSize}, more tokens than the {payload} bytes after the header can hold (truncated?)");
        int eot;
        if (version == 1)
        {
            if (vocabSize != Gpt2VocabSize)
                throw LlmcFormat.Damaged(path, Kind, $"header field vocab_size is {vocabSize}; version 1 is GPT-2's, with {Gpt2VocabSize} tokens");
            eot = Gpt2EndOfText;
        }
        else
        {
            eot = header[3];
            if ((uint)eot >= (uint)vocabSize)
                throw LlmcFormat.Damaged(path, Kind, $"header field eot_token is {eot}, outside the vocabulary [0, {vocabSize})");
        }

        using var stream = new BufferedStream(file, 1 << 16);
        var tokens = new byte[vocabSize][];
        for (int i = 0; i < vocabSize; i++)
        {
            int length = stream.ReadByte();
            if (length < 0) throw LlmcFormat.Damaged(path, Kind, $"it ends at token {i} of {vocabSize} (truncated?)");
            if (length == 0) throw LlmcFormat.Damaged(path, Kind, $"token {i} has length 0; every token is at least one byte");
            tokens[i] = new byte[length];
            if (stream.ReadAtLeast(tokens[i], length, throwOnEndOfStream: false) < length)
                throw LlmcFormat.Damaged(path, Kind, $"it ends inside token {i} of {vocabSize} (truncated?)");
        }
        if (stream.ReadByte() >= 0)
            throw LlmcFormat.Damaged(path, Kind, $"{file.Length - stream.Position + 1} trailing bytes after the last of its {vocabSize} tokens");
        return new LlmcTokenizer(version, tokens, eot);
    }

    /// <summary>Writes the tokenizer file llm.c expects for <paramref name="tokenizer"/> (version 2): every id's
    /// bytes, with the id of <c>&lt;|endoftext|&gt;</c> as the EOT token. For <see cref="Encodings.Gpt2"/> this is
    /// the gpt2_tokenizer.bin train_gpt2.py writes.</summary>
    /// <exception cref="ArgumentException">The tokenizer has no <c>&lt;|endoftext|&gt;</c>, or an id with no bytes
    /// or more than 255 (it has gaps, as cl100k_base).</exception>
    public static void Write(string path, Tokenizer tokenizer)
    {
        if (!tokenizer.SpecialTokens.TryGetValue(Encodings.EndOfText, out int eot))
            throw new ArgumentException($"LlmcTokenizer.Write: the tokenizer has no {Encodings.EndOfText} token, which llm.c's file names");
        var tokens = new byte[tokenizer.VocabSize][];
        for (int id = 0; id < tokens.Length; id++)
        {
            try { tokens[id] = tokenizer.TokenBytes(id).ToArray(); }
            catch (Exception e) when (e is ArgumentException or KeyNotFoundException or IndexOutOfRangeException)
            {
                throw new ArgumentException($"LlmcTokenizer.Write: token id {id} has no bytes ({e.Message})");
            }
        }
        Write(path, tokens, eot);
    }

    /// <summary>Writes a version-2 tokenizer file of <paramref name="tokens"/> (each 1 to 255 bytes), atomically.</summary>
    /// <exception cref="ArgumentException">No tokens, a token of 0 or more than 255 bytes, or an EOT id outside the vocabulary.</exception>
    public static void Write(string path, IReadOnlyList<byte[]> tokens, int eotToken)
    {
        if (tokens.Count == 0) throw new ArgumentException("LlmcTokenizer.Write: no tokens");
        if ((uint)eotToken >= (uint)tokens.Count)
            throw new ArgumentException($"LlmcTokenizer.Write: EOT token {eotToken} is outside the vocabulary [0, {tokens.Count})");
        for (int id = 0; id < tokens.Count; id++)
            if (tokens[id].Length is < 1 or > byte.MaxValue)
                throw new ArgumentException($"LlmcTokenizer.Write: token {id} has {tokens[id].Length} bytes; llm.c stores 1 to 255");
        AtomicFile.Write(path, stream =>
        {
            LlmcFormat.WriteHeader(stream, LlmcFormat.TokenizerMagic, CurrentVersion, tokens.Count, eotToken);
            foreach (byte[] token in tokens)
            {
                stream.WriteByte((byte)token.Length);
                stream.Write(token);
            }
        });
    }
}
