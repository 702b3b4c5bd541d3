using System.Text.RegularExpressions;

namespace Nabla.Text.Splitting;

/// <summary>
/// A user pattern on .NET's Regex (\p{L} sees UTF-16 units there). Each chunk is a match, or the text between
/// two matches when the pattern skips some (nothing is lost). Possessive quantifiers, which .NET lacks, are
/// rewritten as the atomic groups they mean: <c>X++</c> → <c>(?>X+)</c>, <c>X?+</c> → <c>(?>X?)</c>.
/// A user pattern can backtrack catastrophically (<c>(a+)+$</c>), so it runs on the non-backtracking engine
/// (linear in the text) where it can, and otherwise with a match timeout.
/// </summary>
internal sealed class RegexSplitter : CoveringSplitter
{
    /// <summary>The longest one match of a backtracking pattern may take before the pattern is given up on.</summary>
    public static readonly TimeSpan DefaultMatchTimeout = TimeSpan.FromSeconds(1);

    private readonly string _pattern;
    private readonly Regex _regex;

    public RegexSplitter(string pattern, TimeSpan? matchTimeout = null)
    {
        _pattern = pattern;
        _regex = Compile(pattern, matchTimeout ?? DefaultMatchTimeout);
    }

    /// <summary>True when the pattern runs without backtracking (no atomic groups, lookarounds or backreferences).</summary>
    public bool IsLinear => (_regex.Options & RegexOptions.NonBacktracking) != 0;

    private static Regex Compile(string pattern, TimeSpan timeout)
    {
        string rewritten = WithoutPossessives(pattern);
        try
        {
            try { return new Regex(rewritten, RegexOptions.NonBacktracking | RegexOptions.CultureInvariant, timeout); }
            catch (NotSupportedException) { return new Regex(rewritten, RegexOptions.Compiled | RegexOptions.CultureInvariant, timeout); }
        }
        catch (RegexParseException e)
        {
            string reason = e.Message;
            int cut = reason.IndexOf($"offset {e.Offset}. ", StringComparison.Ordinal);
            if (cut >= 0) reason = reason[(cut + $"offset {e.Offset}. ".Length)..];
            throw new ArgumentException(
                $"split pattern {Printable.Quote(pattern)} is not a valid .NET regular expression: {reason.TrimEnd('.')} (at character {e.Offset} of {(rewritten == pattern ? "it" : Printable.Quote(rewritten) + ", its possessives rewritten")})", e);
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"split pattern {Printable.Quote(pattern)} is not a valid .NET regular expression: {e.Message}", e);
        }
    }

    public override int ChunkEnd(ReadOnlySpan<char> text, int start)
    {
        try
        {
            foreach (ValueMatch match in _regex.EnumerateMatches(text, start))
            {
                if (match.Length == 0) continue; // an empty match is no chunk
                return WholeCharacters(text, match.Index > start ? match.Index : match.Index + match.Length);
            }
            return text.Length;
        }
        catch (RegexMatchTimeoutException)
        {
            throw new TimeoutException(
                $"split pattern {Printable.Quote(_pattern)} took longer than {_regex.MatchTimeout.TotalSeconds:0.###} s to match at character {start} " +
                "(it backtracks catastrophically on this text); simplify it, e.g. drop nested quantifiers such as (a+)+");
        }
    }

    /// <summary>Moves a chunk end that falls inside a surrogate pair (Regex's '.' matches half of 𝐀) past it, so that
    /// no chunk holds half a character, which would encode as U+FFFD and lose the character.</summary>
    private static int WholeCharacters(ReadOnlySpan<char> text, int end) =>
        end < text.Length && char.IsLowSurrogate(text[end]) && char.IsHighSurrogate(text[end - 1]) ? end + 1 : end;

    /// <summary>Rewrites each possessive quantifier (<c>+ * ? {m,n}</c> followed by <c>+</c>) on the atom before it
    /// (a character, an escape, a class or a group) as an atomic group. A malformed pattern is copied as it is,
    /// for Regex to report.</summary>
    internal static string WithoutPossessives(string pattern)
    {
        var output = new System.Text.StringBuilder(pattern.Length + 16);
        var groupStarts = new Stack<int>();
        int lastAtom = -1;
        for (int i = 0; i < pattern.Length; i++)
        {
            char c = pattern[i];
            if (c == '\\' && i + 1 < pattern.Length)
            {
                int end = i + 2;
                if (pattern[i + 1] is 'p' or 'P' && end < pattern.Length && pattern[end] == '{')
                {
                    int close = pattern.IndexOf('}', end);
                    end = close < 0 ? pattern.Length : close + 1;   // an unterminated \p{ runs to the end
                }
                lastAtom = output.Length;
                output.Append(pattern, i, end - i);
                i = end - 1;
            }
            else if (c == '[')
            {
                int end = i + 1;
                if (end < pattern.Length && pattern[end] == '^') end++;
                if (end < pattern.Length && pattern[end] == ']') end++;
                while (end < pattern.Length && pattern[end] != ']') end += pattern[end] == '\\' ? 2 : 1;
                lastAtom = output.Length;
                output.Append(pattern, i, Math.Min(end + 1, pattern.Length) - i);
                i = end;
            }
            else if (c == '(') { groupStarts.Push(output.Length); output.Append(c); lastAtom = -1; }
            else if (c == ')') { output.Append(c); lastAtom = groupStarts.Count > 0 ? groupStarts.Pop() : -1; }
            else if (c is '+' or '*' or '?' or '{' && lastAtom >= 0)
            {
                int end = i + 1;
                if (c == '{') { int close = pattern.IndexOf('}', i); end = close < 0 ? i + 1 : close + 1; }
                string quantifier = pattern[i..end];
                if (end < pattern.Length && pattern[end] == '+')
                {
                    output.Insert(lastAtom, "(?>").Append(quantifier).Append(')');
                    i = end;
                }
                else
                {
                    output.Append(quantifier);
                    i = end - 1;
                }
                lastAtom = -1;
            }
            else
            {
                lastAtom = c is '|' or '^' or '$' ? -1 : output.Length;
                output.Append(c);
            }
        }
        return output.ToString();
    }
}
