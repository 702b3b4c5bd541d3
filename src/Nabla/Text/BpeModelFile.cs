using System.Globalization;
using System.Text;

namespace Nabla.Text;

/// <summary>
/// Saving and loading a trained tokenizer. <c>PREFIX.model</c> is what loads back:
/// <code>
/// nabla-bpe v1
/// PATTERN                 (empty line: no pattern)
/// N                       (number of special tokens)
/// TEXT ID                 (N lines)
/// LEFT RIGHT              (one line per merge; merge i makes token 256 + i)
/// </code>
/// <c>PREFIX.vocab</c> is for people: each token's bytes, and for merged tokens the pair it came from.
/// </summary>
public static class BpeModelFile
{
    public const string Header = "nabla-bpe v1";

    /// <summary>Writes PREFIX.model and PREFIX.vocab.</summary>
    public static void Save(BpeTokenizer tokenizer, string prefix)
    {
        if (tokenizer.Merges.Count == 0 && tokenizer.Name != "trained")
            throw new InvalidOperationException($"{tokenizer.Name}: only a trained tokenizer (a merge list) can be saved as .model");
        for (int b = 0; b < 256; b++)
            if (tokenizer.Model.ByteToToken[b] != b)
                throw new InvalidOperationException($"{tokenizer.Name}: its byte tokens are permuted; a .model file holds merges over bytes in order");
        if (tokenizer.Pattern is { } p && p.AsSpan().IndexOfAny('\r', '\n') >= 0)
            throw new InvalidOperationException("the split pattern holds a line break; write it as \\r or \\n in the regex instead");
        foreach (string special in tokenizer.SpecialTokens.Keys)
            if (special.AsSpan().IndexOfAny('\r', '\n') >= 0)
                throw new InvalidOperationException($"special token '{special}' holds a line break, which a .model file cannot hold");

        var model = new StringBuilder();
        model.Append(Header).Append('\n');
        model.Append(tokenizer.Pattern ?? "").Append('\n');
        model.Append(tokenizer.SpecialTokens.Count.ToString(CultureInfo.InvariantCulture)).Append('\n');
        foreach (var (text, id) in tokenizer.SpecialTokens.OrderBy(pair => pair.Value))
            model.Append(text).Append(' ').Append(id.ToString(CultureInfo.InvariantCulture)).Append('\n');
        foreach (var (left, right) in tokenizer.Merges)
            model.Append(left.ToString(CultureInfo.InvariantCulture)).Append(' ').Append(right.ToString(CultureInfo.InvariantCulture)).Append('\n');
        File.WriteAllText(prefix + ".model", model.ToString(), new UTF8Encoding(false));

        var vocab = new StringBuilder();
        for (int id = 0; id < 256; id++) vocab.Append($"[{Render(tokenizer.TokenBytes(id))}] {id}\n");
        for (int i = 0; i < tokenizer.Merges.Count; i++)
        {
            var (left, right) = tokenizer.Merges[i];
            vocab.Append($"[{Render(tokenizer.TokenBytes(left))}][{Render(tokenizer.TokenBytes(right))}] -> [{Render(tokenizer.TokenBytes(256 + i))}] {256 + i}\n");
        }
        foreach (var (text, id) in tokenizer.SpecialTokens.OrderBy(pair => pair.Value)) vocab.Append($"[{text}] {id} (special)\n");
        File.WriteAllText(prefix + ".vocab", vocab.ToString(), new UTF8Encoding(false));
    }

    /// <summary>A token's bytes for a person: UTF-8 where valid (U+FFFD where not), control characters as \uXXXX.</summary>
    public static string Render(ReadOnlySpan<byte> bytes)
    {
        var sb = new StringBuilder();
        foreach (char c in Encoding.UTF8.GetString(bytes))
            sb.Append(char.IsControl(c) ? $"\\u{(int)c:x4}" : c.ToString());
        return sb.ToString();
    }

    /// <summary>Loads a .model file; errors name the file and the line.</summary>
    public static BpeTokenizer Load(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"tokenizer model '{path}' not found", path);
        string[] lines = File.ReadAllText(path, Encoding.UTF8).Split('\n');
        int count = lines.Length;
        if (count > 0 && lines[^1].Length == 0) count--; // the final newline
        string Line(int i) => lines[i].TrimEnd('\r');
        FormatException Error(int line, string what) => new($"{path}:{line}: {what}");

        if (count < 1 || Line(0) != Header)
            throw Error(1, $"expected '{Header}', found '{(count < 1 ? "" : Line(0))}' (not a Nabla BPE model, or another version)");
        if (count < 3) throw Error(count + 1, "the file ends before the pattern and special-token count (truncated)");
        string pattern = Line(1);
        if (!int.TryParse(Line(2), NumberStyles.None, CultureInfo.InvariantCulture, out int specialCount))
            throw Error(3, $"special-token count '{Line(2)}' is not a non-negative integer");
        if (count < 3 + specialCount) throw Error(count + 1, $"the file ends before the {specialCount} special tokens announced on line 3 (truncated)");

        var specialLines = new List<(string Text, int Id, int Line)>();
        for (int i = 3; i < 3 + specialCount; i++)
        {
            string line = Line(i);
            int space = line.LastIndexOf(' ');
            if (space <= 0) throw Error(i + 1, $"expected 'TEXT ID' for a special token, found '{line}'");
            if (!int.TryParse(line.AsSpan(space + 1), NumberStyles.None, CultureInfo.InvariantCulture, out int id))
                throw Error(i + 1, $"special token id '{line[(space + 1)..]}' is not a non-negative integer");
            specialLines.Add((line[..space], id, i + 1));
        }

        var merges = new (int, int)[count - 3 - specialCount];
        var seen = new HashSet<(int, int)>();
        for (int i = 3 + specialCount, m = 0; i < count; i++, m++)
        {
            string line = Line(i);
            string[] fields = line.Split(' ');
            if (fields.Length != 2) throw Error(i + 1, $"expected 'LEFT RIGHT' for merge {m}, found '{line}'");
            if (!int.TryParse(fields[0], NumberStyles.None, CultureInfo.InvariantCulture, out int left) ||
                !int.TryParse(fields[1], NumberStyles.None, CultureInfo.InvariantCulture, out int right))
                throw Error(i + 1, $"merge {m} '{line}' is not two non-negative integers");
            if (left >= 256 + m || right >= 256 + m)
                throw Error(i + 1, $"merge {m} ({left}, {right}) uses an id out of range (tokens 0..{256 + m - 1} exist before it)");
            if (!seen.Add((left, right))) throw Error(i + 1, $"merge {m} ({left}, {right}) appears twice");
            merges[m] = (left, right);
        }
        int vocab = 256 + merges.Length;
        var specials = new Dictionary<string, int>();
        foreach (var (text, id, line) in specialLines)
        {
            if (id < vocab) throw Error(line, $"special token '{text}' has id {id}, which an ordinary token has (ids below {vocab})");
            if (specials.ContainsKey(text) || specials.ContainsValue(id)) throw Error(line, $"special token '{text}' or id {id} appears twice");
            specials[text] = id;
        }
        try
        {
            return BpeTrainer.FromMerges("trained", merges, pattern.Length == 0 ? null : pattern, specials);
        }
        catch (ArgumentException e)
        {
            throw new FormatException($"{path}:2: {e.Message}", e); // merges are checked above: what is left is the pattern
        }
    }
}
