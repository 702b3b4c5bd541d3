using Nabla.Text;

namespace Nabla.Tests.Text;

/// <summary>
/// Our gpt2, cl100k_base and o200k_base against tiktoken's own Rust core (see <see cref="Tiktoken"/>): the
/// stress corpus, astral-plane letters and digits, and lone surrogates, token for token.
/// </summary>
public class TiktokenParityTests
{
    public static TheoryData<string> Names => EncodingParityTests.Names;

    /// <summary>Digits outside the BMP (mathematical digits U+1D7CE..U+1D7FF) beside spaces, letters, ASCII and
    /// Arabic-Indic digits: tiktoken counts them as \p{N} (groups of three in cl100k); .NET's Regex sees symbols.</summary>
    public static readonly string[] AstralDigits =
    [
        " 𝟗",
        "x 𝟏𝟐𝟑𝟒 y",
        "a𝟏 𝟐b 𝟑,𝟒",
        "1𝟏2𝟐3𝟑 𝟗𝟗𝟗𝟗𝟗𝟗𝟗 ١𝟙٢",
        "price: 𝟒𝟐.𝟎𝟎 (𝟏𝟎𝟎%)\n𝟘𝟙𝟚𝟛𝟜𝟝𝟞𝟟𝟠𝟡",
        "'𝟏's 𝐀𝟏 𝟏𝐀 𝐚𝟎𝐛",
    ];

    private static readonly string[] Texts =
        [.. StressCorpus.Texts(), .. StressCorpus.LoneSurrogates, .. AstralDigits, string.Concat(AstralDigits)];

    // One node process for every text and encoding; the theories below share its answer.
    private static readonly Lazy<Dictionary<string, int[][]>> Ids =
        new(() => Tiktoken.EncodeOrdinary(Texts, "gpt2", "cl100k_base", "o200k_base"));

    [SkippableTheory]
    [MemberData(nameof(Names))]
    public void Stress_corpus_astral_digits_and_lone_surrogates_match_tiktoken(string name)
    {
        int[][] expected = Ids.Value[name];
        BpeTokenizer ours = Encodings.ByName(name);
        for (int i = 0; i < Texts.Length; i++)
            EncodingParityTests.AssertSameIds(expected[i], ours.EncodeOrdinary(Texts[i]),
                $"{name} on '{StressCorpus.Escaped(StressCorpus.Describe(Texts[i]))}'");
    }

    [SkippableFact]
    public void On_astral_digits_cl100k_matches_tiktoken_where_ML_Tokenizers_as_shipped_does_not()
    {
        int[][] expected = Ids.Value["cl100k_base"];
        foreach (string text in AstralDigits)
        {
            int[] tiktoken = expected[Array.IndexOf(Texts, text)];
            string what = $"cl100k_base on '{StressCorpus.Escaped(text)}'";
            Assert.False(tiktoken.SequenceEqual(References.Ml("cl100k_base").EncodeToIds(text)), $"{what}: ML.Tokenizers as shipped agrees with tiktoken");
            EncodingParityTests.AssertSameIds(tiktoken, Encodings.Cl100kBase.EncodeOrdinary(text), what);
        }
    }
}
