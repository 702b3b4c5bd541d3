using System.Globalization;
using System.Text;

namespace Nabla.Text;

/// <summary>
/// One token per character (Unicode code point), the tokenizer of the character-level models: its
/// vocabulary is the distinct code points of a text, sorted, so the same text always gives the same ids.
/// </summary>
public sealed class CharTokenizer : Tokenizer
{
    public const string Header = "nabla-char v1";

    private readonly int[] _codePoints;                  // by id, ascending
    private readonly Dictionary<int, int> _idOf = new();
    private readonly byte[][] _bytes;

    public CharTokenizer(IEnumerable<int> codePoints) : base(null)
    {
        _codePoints = codePoints.Distinct().Order().ToArray();
        _bytes = new byte[_codePoints.Length][];
        for (int id = 0; id < _codePoints.Length; id++)
        {
            int cp = _codePoints[id];
            if (!Rune.IsValid(cp)) throw new ArgumentException($"CharTokenizer: {cp:X4} is not a Unicode scalar value");
            _idOf[cp] = id;
            _bytes[id] = Encoding.UTF8.GetBytes(new Rune(cp).ToString());
        }
    }

    /// <summary>The vocabulary of <paramref name="text"/>: its distinct characters, sorted by code point.</summary>
    public static CharTokenizer FromText(string text)
    {
        var seen = new HashSet<int>();
        foreach (Rune rune in text.EnumerateRunes()) seen.Add(rune.Value);
        return new CharTokenizer(seen);
    }

    public override int VocabSize => _codePoints.Length;

    /// <summary>The characters, in id order.</summary>
    public IReadOnlyList<int> CodePoints => _codePoints;

    public override ReadOnlySpan<byte> TokenBytes(int id)
    {
        if ((uint)id >= (uint)_bytes.Length)
            throw new ArgumentOutOfRangeException(nameof(id), $"CharTokenizer: token id {id} is outside the vocabulary [0, {VocabSize})");
        return _bytes[id];
    }

    public override void EncodeOrdinary(ReadOnlySpan<char> text, List<int> output)
    {
        int position = 0;
        foreach (Rune rune in text.EnumerateRunes())
        {
            if (!_idOf.TryGetValue(rune.Value, out int id))
                throw new ArgumentException($"CharTokenizer: character '{rune}' (U+{rune.Value:X4}) at position {position} is not in the vocabulary of {VocabSize} characters");
            output.Add(id);
            position += rune.Utf16SequenceLength;
        }
    }

    /// <summary>Writes the vocabulary: a header line, then one code point per line in hex.</summary>
    public void Save(string path)
    {
        var sb = new StringBuilder(Header).Append('\n');
        foreach (int cp in _codePoints) sb.Append(cp.ToString("X4", CultureInfo.InvariantCulture)).Append('\n');
        File.WriteAllText(path, sb.ToString());
    }

    /// <summary>Largest vocabulary file read: every Unicode scalar value takes about 7.5 MB.</summary>
    public const long MaxFileBytes = 16L << 20;

    public static CharTokenizer Load(string path)
    {
        byte[] data = Nabla.Data.InputFile.ReadBytes(path, MaxFileBytes, "character vocabulary");
        string[] lines = Encoding.UTF8.GetString(data).Split('\n').Select(line => line.TrimEnd('\r')).ToArray();
        if (lines.Length > 0 && lines[^1].Length == 0) lines = lines[..^1];
        if (lines.Length == 0 || lines[0] != Header)
            throw new FormatException($"{path}:1: expected '{Header}', found {Printable.Quote(lines.Length == 0 ? "" : lines[0])}");
        var codePoints = new List<int>();
        for (int i = 1; i < lines.Length; i++)
        {
            if (!int.TryParse(lines[i], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out int cp) || !Rune.IsValid(cp))
                throw new FormatException($"{path}:{i + 1}: {Printable.Quote(lines[i])} is not a hexadecimal Unicode code point");
            if (codePoints.Count > 0 && cp <= codePoints[^1])
                throw new FormatException($"{path}:{i + 1}: code point {Printable.Quote(lines[i])} is out of order or repeated (they are sorted ascending)");
            codePoints.Add(cp);
        }
        return new CharTokenizer(codePoints);
    }
}
