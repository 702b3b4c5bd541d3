using System.Text;

namespace Nabla.Text;

/// <summary>
/// User text as an error message may show it: on one line, control characters written as escapes
/// (<c>\n</c>, <c>\r</c>, <c>\t</c>, <c>\uXXXX</c>), and cut after a few dozen characters, so that a line
/// break in a special token stays visible and a binary file is never echoed raw to the terminal.
/// </summary>
public static class Printable
{
    /// <summary><paramref name="text"/> in single quotes, escaped, at most <paramref name="maxChars"/> characters of it.</summary>
    public static string Quote(ReadOnlySpan<char> text, int maxChars = 60)
    {
        var sb = new StringBuilder(Math.Min(text.Length, maxChars) + 8).Append('\'');
        AppendEscaped(sb, text.Length > maxChars ? text[..maxChars] : text);
        sb.Append('\'');
        if (text.Length > maxChars) sb.Append($"… ({text.Length - maxChars} more characters)");
        return sb.ToString();
    }

    /// <summary>Bytes shown as text: UTF-8 where valid (U+FFFD where not), escaped, cut like <see cref="Quote"/>.</summary>
    public static string Quote(ReadOnlySpan<byte> bytes, int maxBytes = 60) =>
        Quote(Encoding.UTF8.GetString(bytes.Length > maxBytes ? bytes[..maxBytes] : bytes), int.MaxValue)
        + (bytes.Length > maxBytes ? $"… ({bytes.Length - maxBytes} more bytes)" : "");

    /// <summary>Appends <paramref name="text"/> with every control character as an escape.</summary>
    public static void AppendEscaped(StringBuilder sb, ReadOnlySpan<char> text)
    {
        foreach (char c in text)
        {
            if (!char.IsControl(c)) { sb.Append(c); continue; }
            sb.Append(c switch { '\n' => "\\n", '\r' => "\\r", '\t' => "\\t", _ => $"\\u{(int)c:x4}" });
        }
    }
}
