namespace Nabla.Text.Splitting;

/// <summary>
/// The GPT-4o (o200k_base) pattern written out by hand. Its word alternatives are
/// <c>P?U*L+C?</c> then <c>P?U+L*C?</c>, with P = <c>[^\r\n\p{L}\p{N}]</c>, U = <c>[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]</c>,
/// L = <c>[\p{Ll}\p{Lm}\p{Lo}\p{M}]</c>, C = a contraction; then <c>\p{N}{1,3}</c>, <c> ?[^\s\p{L}\p{N}]+[\r\n/]*</c>,
/// <c>\s*[\r\n]+</c>, <c>\s+(?!\S)</c>, <c>\s+</c>. The quantifiers are not possessive and U and L overlap
/// (Lm, Lo and marks are in both), so where a regex would backtrack we reason it out: U* first takes all it
/// can; if what follows is no L, U* gives back characters until the one it gave back is an L.
/// </summary>
internal sealed class O200kSplitter : CoveringSplitter
{
    public override bool EndsChunkAfterLoneNewline => true;

    public static readonly O200kSplitter Instance = new();

    public override int ChunkEnd(ReadOnlySpan<char> text, int start)
    {
        CharClass first = CharClasses.At(text, start, out int firstLength);
        bool canLead = (first & (CharClass.Newline | CharClass.Letter | CharClass.Number)) == 0;

        // Each word alternative is tried with the leading character P taken, then (backtracking) without it.
        int end = canLead ? UpperThenLower(text, start + firstLength) : -1;
        if (end < 0) end = UpperThenLower(text, start);
        if (end < 0 && canLead) end = UpperRun(text, start + firstLength);
        if (end < 0) end = UpperRun(text, start);
        if (end >= 0) return end + CharClasses.Contraction(text, end, ignoreCase: true);

        // `\p{N}{1,3}`
        if ((first & CharClass.Number) != 0)
        {
            end = start + firstLength;
            for (int digits = 1; digits < 3 && end < text.Length; digits++)
            {
                if ((CharClasses.At(text, end, out int length) & CharClass.Number) == 0) break;
                end += length;
            }
            return end;
        }

        // ` ?[^\s\p{L}\p{N}]+[\r\n/]*`
        int symbolStart = text[start] == ' ' && start + 1 < text.Length ? start + 1 : start;
        CharClass symbolClass = symbolStart == start ? first : CharClasses.At(text, symbolStart, out _);
        if ((symbolClass & (CharClass.Space | CharClass.Letter | CharClass.Number)) == 0)
        {
            end = Gpt2Splitter.OtherRunEnd(text, symbolStart);
            while (end < text.Length && text[end] is '\r' or '\n' or '/') end++;
            return end;
        }

        // Whitespace: `\s*[\r\n]+|\s+(?!\S)|\s+` (no special case at the end of the text here).
        int spaceEnd = Gpt2Splitter.RunEnd(text, start, CharClass.Space);
        for (int i = spaceEnd - 1; i >= start; i--)
            if (text[i] is '\r' or '\n') return i + 1;
        if (spaceEnd == text.Length) return spaceEnd;
        return spaceEnd - 1 > start ? spaceEnd - 1 : start + 1;
    }

    /// <summary><c>U*L+</c> from <paramref name="i"/>: its end, or -1 when it does not match.</summary>
    private static int UpperThenLower(ReadOnlySpan<char> text, int i)
    {
        if (i >= text.Length) return -1;
        int upperEnd = Gpt2Splitter.RunEnd(text, i, CharClass.Upper);
        if (upperEnd < text.Length && (CharClasses.At(text, upperEnd, out _) & CharClass.Lower) != 0)
            return Gpt2Splitter.RunEnd(text, upperEnd, CharClass.Lower);
        // Backtrack: the last character of the U run that is also an L ends the match (L+ cannot go further,
        // since what follows it is Lu/Lt, or the character that stopped the U run).
        int lastLower = -1;
        for (int j = i; j < upperEnd;)
        {
            CharClass cls = CharClasses.At(text, j, out int length);
            j += length;
            if ((cls & CharClass.Lower) != 0) lastLower = j;
        }
        return lastLower;
    }

    /// <summary><c>U+L*</c> from <paramref name="i"/>: its end, or -1 when it does not match.</summary>
    private static int UpperRun(ReadOnlySpan<char> text, int i)
    {
        if (i >= text.Length) return -1;
        int upperEnd = Gpt2Splitter.RunEnd(text, i, CharClass.Upper);
        if (upperEnd == i) return -1;
        return Gpt2Splitter.RunEnd(text, upperEnd, CharClass.Lower);
    }
}
