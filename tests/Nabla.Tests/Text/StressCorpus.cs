using System.Text;

namespace Nabla.Tests.Text;

/// <summary>
/// Text written to break splitters: many scripts, letters and digits outside the BMP, emoji with skin tones
/// and ZWJ sequences, combining marks, whitespace runs of every mix (also at the very end), digit runs of
/// every length, contractions in both cases, code and URLs. Lone surrogates are kept apart (<see cref="LoneSurrogates"/>)
/// because the references disagree on them.
/// </summary>
internal static class StressCorpus
{
    public static readonly string[] Pieces =
    [
        "Hello, world! This is a test.",
        "日本語のテキストと漢字、ひらがな、カタカナ。中文字符测试：你好，世界！",
        "العربية: مرحبا بالعالم، هذا اختبار. ١٢٣٤٥٦٧",
        "हिन्दी में परीक्षण। नमस्ते दुनिया! १२३४",
        "ภาษาไทย ทดสอบการตัดคำ สวัสดีชาวโลก",
        "한국어 테스트: 안녕하세요 세계! 한글 자모 ㄱㄴㄷ",
        "Русский текст: Привет, мир! ЁЖИК в тумане. ВЕРХНИЙ и нижний",
        "Ελληνικά: Γειά σου Κόσμε! ΑΒΓΔ αβγδ ΣΊΣΥΦΟΣ",
        "Math 𝐀𝐁𝐂 𝐚𝐛𝐜 𝕏𝕐 𝟎𝟏𝟐𝟑𝟒𝟓 a𝐀b 𝐀a 1𝟏2 x𝟎y",
        "Gothic 𐌰𐌱𐌲 Deseret 𐐷𐐸𐐹 𐐀𐐁 mixed 𐐀𐐷a",
        "CJK ext 𠀀𠀁𠀂 and 𪚥 with 𝟘𝟙𝟚𝟛 digits 𝟗𝟗𝟗𝟗𝟗",
        "Emoji 👍🏽 👩‍👩‍👧‍👦 🏳️‍🌈 ❤️ 🇫🇷🇯🇵 😀😃😄 👍👍👍",
        "Combining: e\u0301 a\u0300\u0301 n\u0303o Z\u0351\u0352\u0353 \u0301start a\u0308\u0308\u0308",
        "Marks: A\u0301B C\u030AD x\u20DD \u0915\u094D\u0937",
        "spaces:  two   three    four     five      six       seven        end",
        "tabs\t\tand\t \tmixed \t \n \r\n\n\n\r\r  \n\t \u00A0nbsp\u2003em\u3000ideo",
        "trailing newlines\n\n\n",
        "digits 1 12 123 1234 12345 123456 1234567 12345678 123456789 1234567890 01 007 3.14159 1,000,000 1e10",
        "contractions: it's IT'S don't DON'T we'll WE'LL I'VE i've you're YOU'RE I'm I'M he'd HE'D 'S 'll 'VE 'Re",
        "odd apostrophes: '' 's's ''s l'ami O'Neil rock'n'roll ’s ‘quoted’",
        "code: for (int i = 0; i < n; i++) { sum += a[i] * b[i]; } // done\n\tif (x != null && y >= 2) return x?.y ?? -1;",
        "python:\n    def f(x):\n        return [y**2 for y in x if y % 2 == 0]\n\n\n",
        "urls: https://example.com/path/to/page?query=1&b=two#frag www.test.org/a/b/c/ mailto:a.b@c.de",
        "punctuation!!! ??? ... --- ___ *** ### $$$ %%% ^^^ &&& ((( ))) [[[ ]]] {{{ }}} <<< >>> /// \\\\ |||",
        "CamelCaseWords XMLHttpRequest iPhone eBay HTTPServer getHTTPResponse ALLCAPS lower MiXeD",
        "Unicode letters: ǅungla ǈ ǋ Ǆ ǲ ʰʱʲ ꜰ ᴀʙᴄ ﬁ ﬂ ß ẞ İ ı",
        "modifier letters: ʼ ˈ ˌ ː ˑ ꞈ 々 〻 ー ゝ ゞ ヽ ヾ",
        "numbers: Ⅻ ⅻ ½ ¾ ² ³ ① ② ⑩ ٣ ۴ ߅ ๕ ໖ ៗ",
        "symbols: © ® ™ € £ ¥ § ¶ † ‡ • … ‰ ′ ″ ← → ↑ ↓ ∀ ∃ ∅ ∇ ∈ ∉ √ ∞ ≠ ≤ ≥",
        "zero width: a\u200Bb c\u200Cd e\u200Df \uFEFFbom \u2060wj \u00ADsoft",
        "newline-led: \nword \r\nword \n\n word\n 1\n!\n  \n  x",
        " leading space, then  double,   triple;\ttab.\n",
        "a\r\n\r\nb\n\r\n c \n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n d",
        "long: " + new string('a', 300) + " " + new string(' ', 200) + "x" + string.Concat(Enumerable.Repeat("ab", 150)),
        "repeated: " + string.Concat(Enumerable.Repeat("Hello ", 40)) + string.Concat(Enumerable.Repeat("日本", 60)),
        "end with spaces and newlines \t \n \n\t  ",
    ];

    /// <summary>All pieces joined, then each piece on its own (a piece's end is the text's end: `\s++$` differs there).</summary>
    public static IEnumerable<string> Texts()
    {
        yield return string.Join("", Pieces);
        yield return string.Join("\n", Pieces);
        foreach (string piece in Pieces) yield return piece;
    }

    /// <summary>Lone surrogates, alone and beside letters, spaces and valid pairs.</summary>
    public static readonly string[] LoneSurrogates =
    [
        "lone \uD800 high",
        "lone \uDC00 low",
        "a\uD83Db",
        "\uDE00\uD83D",
        "x\uD800\uD800y",
        "pair 😀 then \uD83D alone and \uDE00 alone",
        "word\uDFFF",
        "\uD800",
    ];

    public static bool HasAstral(string text)
    {
        foreach (char c in text) if (char.IsSurrogate(c)) return true;
        return false;
    }

    public static string Describe(string text) => text.Length <= 60 ? text : text[..60] + "…";

    public static string Escaped(string text)
    {
        var sb = new StringBuilder();
        foreach (char c in text) sb.Append(c < 32 || c > 126 ? $"\\u{(int)c:X4}" : c.ToString());
        return sb.ToString();
    }
}
