using System.Buffers;
using System.Text;

namespace Nabla.Text;

/// <summary>
/// Text ⇄ token ids. Every tokenizer encodes a string to ids and decodes ids back; special tokens (such as
/// <c>&lt;|endoftext|&gt;</c>) are recognised only when the caller allows them, because a special token
/// slipped into user text could, say, end a document early.
/// </summary>
public abstract class Tokenizer
{
    private readonly Dictionary<string, int> _specialTokens;
    private readonly Dictionary<int, string> _specialById;
    private readonly SearchValues<string>? _specialSearch;

    protected Tokenizer(IReadOnlyDictionary<string, int>? specialTokens)
    {
        _specialTokens = new Dictionary<string, int>(specialTokens ?? new Dictionary<string, int>(), StringComparer.Ordinal);
        _specialById = _specialTokens.ToDictionary(pair => pair.Value, pair => pair.Key);
        if (_specialTokens.Count > 0)
        {
            if (_specialTokens.Keys.Any(string.IsNullOrEmpty)) throw new ArgumentException("a special token cannot be empty", nameof(specialTokens));
            _specialSearch = SearchValues.Create(_specialTokens.Keys.ToArray(), StringComparison.Ordinal);
        }
    }

    /// <summary>Number of ids: the largest id plus one.</summary>
    public abstract int VocabSize { get; }

    /// <summary>Special tokens by their text.</summary>
    public IReadOnlyDictionary<string, int> SpecialTokens => _specialTokens;

    /// <summary>Encodes ordinary text: special-token text is encoded as the plain characters it is made of.
    /// Appends to <paramref name="output"/> (allocation-light: reuse the list).</summary>
    public abstract void EncodeOrdinary(ReadOnlySpan<char> text, List<int> output);

    /// <summary>The bytes token <paramref name="id"/> stands for (UTF-8 for special tokens).</summary>
    public abstract ReadOnlySpan<byte> TokenBytes(int id);

    public int[] EncodeOrdinary(ReadOnlySpan<char> text)
    {
        var output = new List<int>(text.Length / 3 + 4);
        EncodeOrdinary(text, output);
        return output.ToArray();
    }

    /// <summary>
    /// Encodes <paramref name="text"/>; special-token text becomes its special id when
    /// <paramref name="allowedSpecial"/> allows it, and is an error when not (by default none is allowed), as in tiktoken.
    /// </summary>
    public int[] Encode(string text, AllowedSpecial? allowedSpecial = null)
    {
        var output = new List<int>(text.Length / 3 + 4);
        Encode(text, output, allowedSpecial ?? AllowedSpecial.None);
        return output.ToArray();
    }

    public void Encode(ReadOnlySpan<char> text, List<int> output, AllowedSpecial allowedSpecial)
    {
        if (_specialSearch is null) { EncodeOrdinary(text, output); return; }
        int position = 0;
        while (position < text.Length)
        {
            int found = text[position..].IndexOfAny(_specialSearch);
            if (found < 0) break;
            int at = position + found;
            string special = LongestSpecialAt(text, at);
            if (!allowedSpecial.Allows(special)) throw new DisallowedSpecialTokenException(special, at);
            EncodeOrdinary(text[position..at], output);
            output.Add(_specialTokens[special]);
            position = at + special.Length;
        }
        EncodeOrdinary(text[position..], output);
    }

    private string LongestSpecialAt(ReadOnlySpan<char> text, int at)
    {
        string? best = null;
        foreach (string special in _specialTokens.Keys)
            if (text[at..].StartsWith(special, StringComparison.Ordinal) && (best is null || special.Length > best.Length))
                best = special;
        return best!;
    }

    /// <summary>The exact bytes the ids stand for (a token may hold part of a character).</summary>
    public byte[] DecodeBytes(ReadOnlySpan<int> ids)
    {
        var bytes = new ArrayBufferWriter<byte>(ids.Length * 4 + 16);
        for (int i = 0; i < ids.Length; i++)
        {
            CheckId(ids[i], i);
            bytes.Write(TokenBytes(ids[i]));
        }
        return bytes.WrittenSpan.ToArray();
    }

    /// <summary>The text the ids stand for. Bytes that are no valid UTF-8 (ids that cut a character in the middle)
    /// become U+FFFD replacement characters, never an exception.</summary>
    public string Decode(ReadOnlySpan<int> ids) => Encoding.UTF8.GetString(DecodeBytes(ids));

    /// <summary>Text of a special token id, or null when the id is an ordinary token.</summary>
    public string? SpecialTokenText(int id) => _specialById.GetValueOrDefault(id);

    protected void CheckId(int id, int position)
    {
        if ((uint)id >= (uint)VocabSize)
            throw new ArgumentOutOfRangeException(nameof(id), $"Decode: token id {id} at position {position} is outside the vocabulary [0, {VocabSize})");
    }
}

/// <summary>Text holds a special token that the caller did not allow (see <see cref="AllowedSpecial"/>).</summary>
public sealed class DisallowedSpecialTokenException(string token, int position) : ArgumentException(
    $"Encode: the text contains the special token {Printable.Quote(token)} at character {position}, which is not allowed; " +
    "allow it (AllowedSpecial.All or AllowedSpecial.Of(...)) or encode it as plain text with EncodeOrdinary")
{
    public string Token { get; } = token;
    public int Position { get; } = position;
}

/// <summary>Which special tokens <see cref="Tokenizer.Encode(string, AllowedSpecial?)"/> may produce: all, none, or a set.</summary>
public sealed class AllowedSpecial
{
    private readonly HashSet<string>? _names; // null: all

    private AllowedSpecial(HashSet<string>? names) => _names = names;

    public static AllowedSpecial All { get; } = new(null);
    public static AllowedSpecial None { get; } = new([]);
    public static AllowedSpecial Of(params string[] names) => new(new HashSet<string>(names, StringComparer.Ordinal));

    public bool Allows(string special) => _names is null || _names.Contains(special);
}
