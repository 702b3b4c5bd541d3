using System.Globalization;
using System.Text;
using Nabla.Data;
using Nabla.Text.Bpe;

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
/// A file is untrusted input: the reader bounds what it may make it allocate (the file's size, the bytes of
/// all tokens together) and names the file and line of whatever it rejects.
/// </summary>
public static class BpeModelFile
{
    public const string Header = "nabla-bpe v1";

    /// <summary>Largest .model file read (a 2-million-token vocabulary takes about 25 MB).</summary>
    public const long MaxFileBytes = 64L << 20;

    /// <summary>The bytes of all tokens together may be at most this many times the file's size (or 16 MiB):
    /// each merge line adds a token as long as its two parts, so a chain of merges, each onto the last, would
    /// otherwise grow quadratically (100,000 such lines make 5 GB of tokens).</summary>
    public const int TokenBytesPerFileByte = 16;

    /// <summary>Checks, before any work is done, that a tokenizer with this pattern and these special tokens can be
    /// saved at <paramref name="prefix"/>: the prefix names a file in a writable directory (created when
    /// <paramref name="createDirectory"/>), PREFIX.model and PREFIX.vocab are no directories, and no pattern or
    /// special token holds a line break, which the line-based file cannot hold.</summary>
    public static void CheckOutput(string prefix, string? pattern, IEnumerable<string> specialTokens, bool createDirectory = false)
    {
        if (pattern is not null && pattern.AsSpan().IndexOfAny('\r', '\n') >= 0)
            throw new ArgumentException($"the split pattern {Printable.Quote(pattern)} holds a line break, which a .model file cannot hold; write it as \\r or \\n in the regex instead");
        foreach (string special in specialTokens)
            if (special.AsSpan().IndexOfAny('\r', '\n') >= 0)
                throw new ArgumentException($"special token {Printable.Quote(special)} holds a line break, which a .model file cannot hold");
        if (string.IsNullOrWhiteSpace(prefix)) throw new ArgumentException("the output prefix is empty; give one such as 'out/tok' (writes out/tok.model and out/tok.vocab)");
        if (prefix.EndsWith(Path.DirectorySeparatorChar) || prefix.EndsWith(Path.AltDirectorySeparatorChar) || Directory.Exists(prefix))
            throw new ArgumentException($"the output prefix '{prefix}' is a directory; give a file name in it, such as '{Path.Combine(prefix, "tok")}'");
        foreach (string path in new[] { prefix + ".model", prefix + ".vocab" })
            if (Directory.Exists(path)) throw new IOException($"cannot write '{path}': a directory of that name exists");

        string directory = Path.GetDirectoryName(Path.GetFullPath(prefix)) ?? ".";
        if (createDirectory)
        {
            try { Directory.CreateDirectory(directory); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new IOException($"cannot create the output directory '{directory}': {e.Message}", e);
            }
        }
        else if (!Directory.Exists(directory)) throw new DirectoryNotFoundException($"cannot write '{prefix}.model': directory '{directory}' does not exist");
        string probe = Path.Combine(directory, $".{Path.GetFileName(prefix)}.{Environment.ProcessId}.probe");
        try { new FileStream(probe, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.DeleteOnClose).Dispose(); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"cannot write in directory '{directory}': {e.Message}", e);
        }
    }

    /// <summary>Writes PREFIX.model and PREFIX.vocab: both go to temporary files first and are renamed into place only
    /// when both are complete, so a failure leaves any earlier pair as it was.</summary>
    public static void Save(BpeTokenizer tokenizer, string prefix)
    {
        if (tokenizer.Merges.Count == 0 && tokenizer.Name != "trained")
            throw new InvalidOperationException($"{tokenizer.Name}: only a trained tokenizer (a merge list) can be saved as .model");
        for (int b = 0; b < 256; b++)
            if (tokenizer.Model.ByteToToken[b] != b)
                throw new InvalidOperationException($"{tokenizer.Name}: its byte tokens are permuted; a .model file holds merges over bytes in order");
        CheckOutput(prefix, tokenizer.Pattern, tokenizer.SpecialTokens.Keys);

        var model = new StringBuilder();
        model.Append(Header).Append('\n');
        model.Append(tokenizer.Pattern ?? "").Append('\n');
        model.Append(tokenizer.SpecialTokens.Count.ToString(CultureInfo.InvariantCulture)).Append('\n');
        foreach (var (text, id) in tokenizer.SpecialTokens.OrderBy(pair => pair.Value))
            model.Append(text).Append(' ').Append(id.ToString(CultureInfo.InvariantCulture)).Append('\n');
        foreach (var (left, right) in tokenizer.Merges)
            model.Append(left.ToString(CultureInfo.InvariantCulture)).Append(' ').Append(right.ToString(CultureInfo.InvariantCulture)).Append('\n');

        var vocab = new StringBuilder();
        for (int id = 0; id < 256; id++) vocab.Append($"[{Render(tokenizer.TokenBytes(id))}] {id}\n");
        for (int i = 0; i < tokenizer.Merges.Count; i++)
        {
            var (left, right) = tokenizer.Merges[i];
            vocab.Append($"[{Render(tokenizer.TokenBytes(left))}][{Render(tokenizer.TokenBytes(right))}] -> [{Render(tokenizer.TokenBytes(256 + i))}] {256 + i}\n");
        }
        foreach (var (text, id) in tokenizer.SpecialTokens.OrderBy(pair => pair.Value)) vocab.Append($"[{text}] {id} (special)\n");
        WriteTogether((prefix + ".model", model.ToString()), (prefix + ".vocab", vocab.ToString()));
    }

    private static void WriteTogether(params (string Path, string Text)[] files)
    {
        var temporary = files.Select(f => $"{f.Path}.{Environment.ProcessId}.tmp").ToArray();
        try
        {
            for (int i = 0; i < files.Length; i++) File.WriteAllText(temporary[i], files[i].Text, new UTF8Encoding(false));
            for (int i = 0; i < files.Length; i++) File.Move(temporary[i], files[i].Path, overwrite: true);
        }
        finally
        {
            foreach (string path in temporary) if (File.Exists(path)) File.Delete(path);
        }
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
        byte[] data = InputFile.ReadBytes(path, MaxFileBytes, "tokenizer model");
        FormatException Error(int line, string what) => new($"{path}:{line}: {what}");

        int firstEnd = data.AsSpan().IndexOf((byte)'\n');
        ReadOnlySpan<byte> first = (firstEnd < 0 ? data : data.AsSpan(0, firstEnd)).TrimEnd((byte)'\r');
        if (!first.SequenceEqual(Encoding.ASCII.GetBytes(Header)))
            throw Error(1, $"expected '{Header}', found {Printable.Quote(first)} (not a Nabla BPE model, or another version)");
        string content;
        try { content = InputFile.DecodeUtf8(data, "the file", replaceInvalid: false); }
        catch (InvalidUtf8Exception e)
        {
            throw Error(data.AsSpan(0, (int)e.Offset).Count((byte)'\n') + 1, e.Message);
        }

        var lines = new LineCursor(content);
        lines.Next(out _);
        if (!lines.Next(out string pattern) || !lines.Next(out string countLine))
            throw Error(lines.Number + 1, "the file ends before the pattern and special-token count (truncated)");
        if (!int.TryParse(countLine, NumberStyles.None, CultureInfo.InvariantCulture, out int specialCount))
            throw Error(3, $"special-token count {Printable.Quote(countLine)} is not a non-negative integer");

        var specialLines = new List<(string Text, int Id, int Line)>();
        for (int i = 0; i < specialCount; i++)
        {
            if (!lines.Next(out string line))
                throw Error(lines.Number + 1, $"the file ends before the {specialCount} special tokens announced on line 3 (truncated)");
            int space = line.LastIndexOf(' ');
            if (space <= 0) throw Error(lines.Number, $"expected 'TEXT ID' for a special token, found {Printable.Quote(line)}");
            if (!int.TryParse(line.AsSpan(space + 1), NumberStyles.None, CultureInfo.InvariantCulture, out int id) || id > PairTable.MaxId)
                throw Error(lines.Number, $"special token id {Printable.Quote(line.AsSpan(space + 1))} is not an integer in [0, {PairTable.MaxId}]");
            specialLines.Add((line[..space], id, lines.Number));
        }

        var merges = new List<(int, int)>();
        var lengths = new List<int>(256);
        for (int b = 0; b < 256; b++) lengths.Add(1);
        long tokenBytes = 256, maxTokenBytes = Math.Max(16L << 20, TokenBytesPerFileByte * data.LongLength);
        var seen = new HashSet<(int, int)>();
        while (lines.Next(out string line))
        {
            int m = merges.Count, id = 256 + m;
            if (id > PairTable.MaxId) throw Error(lines.Number, $"merge {m} would make token {id}; token ids are at most {PairTable.MaxId}");
            int space = line.IndexOf(' ');
            if (space < 0 || line.IndexOf(' ', space + 1) >= 0) throw Error(lines.Number, $"expected 'LEFT RIGHT' for merge {m}, found {Printable.Quote(line)}");
            if (!int.TryParse(line.AsSpan(0, space), NumberStyles.None, CultureInfo.InvariantCulture, out int left) ||
                !int.TryParse(line.AsSpan(space + 1), NumberStyles.None, CultureInfo.InvariantCulture, out int right))
                throw Error(lines.Number, $"merge {m} {Printable.Quote(line)} is not two non-negative integers");
            if (left >= id || right >= id)
                throw Error(lines.Number, $"merge {m} ({left}, {right}) uses an id out of range (tokens 0..{id - 1} exist before it)");
            if (!seen.Add((left, right))) throw Error(lines.Number, $"merge {m} ({left}, {right}) appears twice");
            int length = lengths[left] + lengths[right];
            tokenBytes += length;
            if (length > maxTokenBytes || tokenBytes > maxTokenBytes)
                throw Error(lines.Number, $"merge {m} makes a token of {length:N0} bytes and brings all tokens to {tokenBytes:N0} bytes, " +
                                          $"more than a file of {data.Length:N0} bytes may describe ({maxTokenBytes:N0})");
            lengths.Add(length);
            merges.Add((left, right));
        }
        int vocab = 256 + merges.Count;
        var specials = new Dictionary<string, int>();
        foreach (var (text, id, line) in specialLines)
        {
            if (id < vocab) throw Error(line, $"special token {Printable.Quote(text)} has id {id}, which an ordinary token has (ids below {vocab})");
            if (specials.ContainsKey(text) || specials.ContainsValue(id)) throw Error(line, $"special token {Printable.Quote(text)} or id {id} appears twice");
            specials[text] = id;
        }
        try
        {
            return BpeTrainer.FromMerges("trained", merges.ToArray(), pattern.Length == 0 ? null : pattern, specials);
        }
        catch (ArgumentException e)
        {
            throw new FormatException($"{path}:2: {e.Message}", e); // merges and ids are checked above: what is left is the pattern
        }
    }

    /// <summary>The lines of a file one at a time (split at '\n' only; a '\r' before it is dropped), without
    /// holding them all: a file of empty lines must not cost a string array eight times its size.</summary>
    private struct LineCursor(string content)
    {
        private int _position;

        public int Number { get; private set; }

        public bool Next(out string line)
        {
            if (_position >= content.Length) { line = ""; return false; }
            int newline = content.IndexOf('\n', _position);
            int end = newline < 0 ? content.Length : newline;
            line = content[_position..end].TrimEnd('\r');
            _position = end + 1;
            Number++;
            return true;
        }
    }
}
