using System.Text;
using CsCheck;
using Nabla.Tests.Support;
using Nabla.Text;

namespace Nabla.Tests.Text;

public class TokenizerApiTests
{
    public static TheoryData<string> Names => new() { "gpt2", "cl100k_base", "o200k_base" };

    /// <summary>Strings of code points from every plane (surrogates excluded: they are not characters), mixed
    /// with ASCII so that merges happen.</summary>
    internal static readonly Gen<string> AnyText =
        Gen.OneOf(Gen.Int[0x20, 0x7E], Gen.Int[0, 0xD7FF], Gen.Int[0xE000, 0x10FFFF], Gen.Const(0x20), Gen.Const(0x0A), Gen.Const(0x27), Gen.Const(0x73))
           .Array[0, 40]
           .Select(cps => string.Concat(cps.Select(char.ConvertFromUtf32)));

    [Theory]
    [MemberData(nameof(Names))]
    public void Decode_of_Encode_is_the_identity_on_any_text(string name)
    {
        var tokenizer = Encodings.ByName(name);
        AnyText.Sample(text => Assert.Equal(text, tokenizer.Decode(tokenizer.EncodeOrdinary(text))), iter: 2000);
    }

    [Fact]
    public void Decode_of_Encode_is_the_identity_for_a_trained_tokenizer()
    {
        var tokenizer = BpeTrainer.Train(string.Join("\n", StressCorpus.Pieces), 256 + 200, Patterns.Cl100k);
        AnyText.Sample(text => Assert.Equal(text, tokenizer.Decode(tokenizer.EncodeOrdinary(text))), iter: 2000);
    }

    [Fact]
    public void One_tokenizer_encodes_the_same_from_many_threads()
    {
        // Each thread has its own chunk cache; the tables are read-only.
        string[] texts = StressCorpus.Texts().ToArray();
        int[][] expected = texts.Select(t => Encodings.O200kBase.EncodeOrdinary(t)).ToArray();
        var results = new int[texts.Length * 8][];
        Parallel.For(0, results.Length, new ParallelOptions { MaxDegreeOfParallelism = 4 },
            i => results[i] = Encodings.O200kBase.EncodeOrdinary(texts[i % texts.Length]));
        for (int i = 0; i < results.Length; i++) Assert.Equal(expected[i % texts.Length], results[i]);
    }

    [Fact]
    public void Special_tokens_are_encoded_only_when_allowed()
    {
        var gpt2 = Encodings.Gpt2;
        string text = "Hello<|endoftext|>World";
        var error = Assert.Throws<DisallowedSpecialTokenException>(() => gpt2.Encode(text));
        Assert.Contains("'<|endoftext|>' at character 5", error.Message);
        Assert.Equal(("<|endoftext|>", 5), (error.Token, error.Position));

        int[] all = gpt2.Encode(text, AllowedSpecial.All);
        Assert.Equal([.. gpt2.EncodeOrdinary("Hello"), 50256, .. gpt2.EncodeOrdinary("World")], all);
        Assert.Equal(all, gpt2.Encode(text, AllowedSpecial.Of("<|endoftext|>")));
        Assert.Equal(text, gpt2.Decode(all));

        // EncodeOrdinary reads the special token's text as plain characters.
        Assert.DoesNotContain(50256, gpt2.EncodeOrdinary(text));
        Assert.Equal(text, gpt2.Decode(gpt2.EncodeOrdinary(text)));

        var cl100k = Encodings.Cl100kBase;
        string fim = "<|fim_prefix|>a<|fim_suffix|>b<|endoftext|>";
        Assert.Throws<DisallowedSpecialTokenException>(() => cl100k.Encode(fim, AllowedSpecial.Of("<|fim_prefix|>", "<|fim_suffix|>")));
        Assert.Equal([100258, 64, 100260, 65, 100257], cl100k.Encode(fim, AllowedSpecial.All));
    }

    [Fact]
    public void Special_tokens_match_SharpToken()
    {
        var sharp = SharpToken.GptEncoding.GetEncoding("cl100k_base");
        string text = "Say <|endoftext|> then <|fim_middle|> and go.";
        Assert.Equal(sharp.Encode(text, new HashSet<string> { "<|endoftext|>", "<|fim_middle|>" }).ToArray(),
                     Encodings.Cl100kBase.Encode(text, AllowedSpecial.All));
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Ids_that_cut_a_character_decode_to_replacement_characters_and_exact_bytes(string name)
    {
        var tokenizer = Encodings.ByName(name);
        string text = "日本語 🏳️‍🌈 ü";
        int[] ids = tokenizer.EncodeOrdinary(text);
        Assert.Equal(Encoding.UTF8.GetBytes(text), tokenizer.DecodeBytes(ids));
        int cut = Enumerable.Range(1, ids.Length - 1).First(i => !IsValidUtf8(tokenizer.DecodeBytes(ids.AsSpan(0, i))));
        string partial = tokenizer.Decode(ids.AsSpan(0, cut));
        Assert.Contains('\uFFFD', partial);
        Assert.Equal(tokenizer.DecodeBytes(ids.AsSpan(0, cut)), tokenizer.DecodeBytes(ids.AsSpan(0, cut)));
        byte[] concatenated = [.. tokenizer.DecodeBytes(ids.AsSpan(0, cut)), .. tokenizer.DecodeBytes(ids.AsSpan(cut))];
        Assert.Equal(Encoding.UTF8.GetBytes(text), concatenated);
    }

    private static bool IsValidUtf8(byte[] bytes) => System.Text.Unicode.Utf8.IsValid(bytes);

    [Fact]
    public void Decoding_an_id_outside_the_vocabulary_names_it()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => Encodings.Gpt2.Decode([31373, 60000]));
        Assert.Contains("token id 60000 at position 1", error.Message);
    }

    [Fact]
    public void Vocabulary_sizes_are_those_of_tiktoken()
    {
        Assert.Equal(50257, Encodings.Gpt2.VocabSize);
        Assert.Equal(100277, Encodings.Cl100kBase.VocabSize);
        Assert.Equal(200019, Encodings.O200kBase.VocabSize);
    }

    [Fact]
    public void Splitters_cut_as_the_patterns_say()
    {
        Assert.Equal(["Hello", ",", " world", "'s", " 123", "  ", " x", "\n\n"], Encodings.Gpt2.Split("Hello, world's 123   x\n\n"));
        Assert.Equal(["Hello", ",", " world", "'S", " ", "123", "4", "  ", " x", "\n\n"], Encodings.Cl100kBase.Split("Hello, world'S 1234   x\n\n"));
        Assert.Equal(["Camel", "Case", " HTTPServer's", " ", "123", "4"], Encodings.O200kBase.Split("CamelCase HTTPServer's 1234"));
        Assert.Equal(["HTTP", " server"], Encodings.O200kBase.Split("HTTP server"));
        // (?i) folds as Rust's regex does (checked with tiktoken itself): ſ (U+017F) matches s, so "'ſ" is a contraction.
        Assert.Equal(["'ſ", "x"], Encodings.Cl100kBase.Split("'ſx"));
        Assert.Equal(["it", "'S", " ok"], Encodings.Cl100kBase.Split("it'S ok"));
        Assert.Equal(["it", "'", "S", " ok"], Encodings.Gpt2.Split("it'S ok"));   // GPT-2's contractions are lowercase only
        // A letter outside the BMP is a letter (.NET's Regex would see two non-letter surrogates).
        Assert.Equal(["a𝐀b", " 𐐷𐐸"], Encodings.Cl100kBase.Split("a𝐀b 𐐷𐐸"));
    }

    [Fact]
    public void Char_tokenizer_sorts_code_points_and_round_trips()
    {
        var tokenizer = CharTokenizer.FromText("hello, 𝐀 world");
        Assert.Equal([' ', ',', 'd', 'e', 'h', 'l', 'o', 'r', 'w', 0x1D400], tokenizer.CodePoints);
        int[] ids = tokenizer.Encode("hello 𝐀");
        Assert.Equal([4, 3, 5, 5, 6, 0, 9], ids);
        Assert.Equal("hello 𝐀", tokenizer.Decode(ids));
        var error = Assert.Throws<ArgumentException>(() => tokenizer.Encode("hex"));
        Assert.Contains("'x' (U+0078) at position 2", error.Message);

        string path = Path.GetTempFileName();
        try
        {
            tokenizer.Save(path);
            Assert.Equal(tokenizer.CodePoints, CharTokenizer.Load(path).CodePoints);
        }
        finally { File.Delete(path); }
    }

    [SkippableFact]
    public void Char_tokenizer_of_tinyshakespeare_has_65_characters()
    {
        string text = File.ReadAllText(TestData.Require("tinyshakespeare.txt"));
        var tokenizer = CharTokenizer.FromText(text);
        Assert.Equal(65, tokenizer.VocabSize);
        Assert.Equal(text, tokenizer.Decode(tokenizer.Encode(text)));
    }
}
