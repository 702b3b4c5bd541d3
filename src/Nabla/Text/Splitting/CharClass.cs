using System.Globalization;
using System.Runtime.CompilerServices;

namespace Nabla.Text.Splitting;

/// <summary>
/// The character classes the GPT splitting patterns speak of, decided per Unicode code point, as the Rust
/// regex engine behind tiktoken decides them. .NET's Regex looks at one UTF-16 unit at a time, so a letter
/// outside the Basic Multilingual Plane (a surrogate pair, say 𝐀 or 𐐷) is two "surrogate" units to it and
/// no letter at all; here a pair is decoded first. A lone surrogate counts as U+FFFD, the replacement
/// character (a symbol), because tiktoken replaces it with U+FFFD before it encodes.
/// </summary>
[Flags]
internal enum CharClass : byte
{
    None = 0,
    /// <summary>\p{L}: Lu, Ll, Lt, Lm, Lo.</summary>
    Letter = 1,
    /// <summary>\p{N}: Nd, Nl, No.</summary>
    Number = 2,
    /// <summary>\s: the Unicode White_Space property.</summary>
    Space = 4,
    /// <summary>\r or \n.</summary>
    Newline = 8,
    /// <summary>o200k's "upper" class [\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}].</summary>
    Upper = 16,
    /// <summary>o200k's "lower" class [\p{Ll}\p{Lm}\p{Lo}\p{M}].</summary>
    Lower = 32,
    /// <summary>\p{M}: combining marks (not letters: they fall in [^\s\p{L}\p{N}]).</summary>
    Mark = 64,
}

internal static class CharClasses
{
    // The class of every BMP character, looked up rather than computed (64 KiB, built once).
    private static readonly CharClass[] Bmp = BuildBmp();

    private static CharClass[] BuildBmp()
    {
        var table = new CharClass[0x10000];
        for (int c = 0; c < 0x10000; c++)
            table[c] = c is >= 0xD800 and <= 0xDFFF ? CharClass.None : OfCategory(CharUnicodeInfo.GetUnicodeCategory(c), c);
        return table;
    }

    /// <summary>The class of the code point starting at <paramref name="i"/>, and its length in UTF-16 units (1 or 2).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static CharClass At(ReadOnlySpan<char> text, int i, out int length)
    {
        char c = text[i];
        length = 1;
        if (!char.IsSurrogate(c)) return Bmp[c];
        return Surrogate(text, i, ref length);
    }

    private static CharClass Surrogate(ReadOnlySpan<char> text, int i, ref int length)
    {
        char c = text[i];
        if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
        {
            length = 2;
            int codePoint = char.ConvertToUtf32(c, text[i + 1]);
            return OfCategory(CharUnicodeInfo.GetUnicodeCategory(codePoint), codePoint);
        }
        // A lone surrogate is read as U+FFFD (OtherSymbol): no letter, no number, no space.
        return CharClass.None;
    }

    private static CharClass OfCategory(UnicodeCategory category, int codePoint)
    {
        CharClass result = category switch
        {
            UnicodeCategory.UppercaseLetter or UnicodeCategory.TitlecaseLetter => CharClass.Letter | CharClass.Upper,
            UnicodeCategory.LowercaseLetter => CharClass.Letter | CharClass.Lower,
            UnicodeCategory.ModifierLetter or UnicodeCategory.OtherLetter => CharClass.Letter | CharClass.Upper | CharClass.Lower,
            UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark or UnicodeCategory.EnclosingMark
                => CharClass.Mark | CharClass.Upper | CharClass.Lower,
            UnicodeCategory.DecimalDigitNumber or UnicodeCategory.LetterNumber or UnicodeCategory.OtherNumber => CharClass.Number,
            _ => CharClass.None,
        };
        if (IsWhiteSpace(codePoint)) result |= CharClass.Space;
        if (codePoint is '\r' or '\n') result |= CharClass.Newline;
        return result;
    }

    /// <summary>Unicode's White_Space property (what both Rust's and .NET's <c>\s</c> match).</summary>
    private static bool IsWhiteSpace(int c) =>
        c is >= 0x09 and <= 0x0D or 0x20 or 0x85 or 0xA0 or 0x1680 or (>= 0x2000 and <= 0x200A)
          or 0x2028 or 0x2029 or 0x202F or 0x205F or 0x3000;

    /// <summary>Case-insensitive test against a lowercase ASCII letter as Rust's <c>(?i)</c> does it: by
    /// simple case folding, so <c>s</c> also matches U+017F (ſ, long s).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool FoldsTo(char c, char lower) =>
        (c < 128 && (c | 0x20) == lower) || (lower == 's' && c == '\u017F');

    /// <summary>Length of the contraction <c>'s 't 're 've 'm 'll 'd</c> (any case) starting at <paramref name="i"/>, or 0.</summary>
    public static int Contraction(ReadOnlySpan<char> text, int i, bool ignoreCase)
    {
        if (i + 1 >= text.Length || text[i] != '\'') return 0;
        char a = text[i + 1];
        if (Is(a, 's') || Is(a, 't') || Is(a, 'd') || Is(a, 'm')) return 2;
        if (i + 2 >= text.Length) return 0;
        char b = text[i + 2];
        if ((Is(a, 'l') && Is(b, 'l')) || (Is(a, 'v') && Is(b, 'e')) || (Is(a, 'r') && Is(b, 'e'))) return 3;
        return 0;

        bool Is(char c, char lower) => ignoreCase ? FoldsTo(c, lower) : c == lower;
    }
}
