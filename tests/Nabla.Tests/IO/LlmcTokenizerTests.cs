using System.Buffers.Binary;
using System.Text;
using Nabla.IO;
using Nabla.Text;
using static Nabla.Tests.IO.LlmcCheckpointTests;

namespace Nabla.Tests.IO;

/// <summary>llm.c's tokenizer file: written from GPT-2's encoding it is train_gpt2.py's gpt2_tokenizer.bin, and
/// decoding through it gives what the encoding itself decodes; any token table survives a round trip.</summary>
public class LlmcTokenizerTests
{
    private static readonly string[] Samples =
    [
        "Hello, world! The quick brown fox jumps over the lazy dog.",
        "First Citizen:\nBefore we proceed any further, hear me speak.",
        "naïve café — 東京 🤖 emoji, tabs\tand  double  spaces",
        "<|endoftext|> as plain text, 12345 numbers, 'quotes' and \"more\"",
    ];

    [Fact]
    public void Gpt2FileHasLlmcsHeaderAndEveryTokensBytes()
    {
        string path = TempPath("gpt2_tokenizer.bin");
        LlmcTokenizer.Write(path, Encodings.Gpt2);
        byte[] bytes = File.ReadAllBytes(path);
        int Int(int i) => BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(4 * i));
        Assert.Equal([20240328, 2, 50257, 50256], Enumerable.Range(0, 4).Select(Int));
        Assert.All(Enumerable.Range(4, 252), i => Assert.Equal(0, Int(i)));
        // Walk the records as llm.c's tokenizer_init does: a length byte, then that many bytes.
        int at = 1024;
        for (int id = 0; id < 50257; id++)
        {
            int length = bytes[at++];
            Assert.True(Encodings.Gpt2.TokenBytes(id).SequenceEqual(bytes.AsSpan(at, length)), $"token {id}");
            at += length;
        }
        Assert.Equal(bytes.Length, at);
        Assert.Equal("<|endoftext|>", Encoding.UTF8.GetString(bytes.AsSpan(at - 13, 13)));
    }

    [Fact]
    public void DecodingThroughTheFileEqualsTheEncodingsDecode()
    {
        string path = TempPath("gpt2_tokenizer.bin");
        LlmcTokenizer.Write(path, Encodings.Gpt2);
        LlmcTokenizer tokenizer = LlmcTokenizer.Read(path);
        Assert.Equal(2, tokenizer.Version);
        Assert.Equal(50257, tokenizer.VocabSize);
        Assert.Equal(50256, tokenizer.EotToken);
        foreach (string text in Samples)
        {
            int[] ids = Encodings.Gpt2.Encode(text, AllowedSpecial.All);
            Assert.Equal(Encodings.Gpt2.DecodeBytes(ids), tokenizer.DecodeBytes(ids));
            Assert.Equal(text, tokenizer.Decode(ids));
        }
        // A token that cuts a character in half decodes, as the encoding's, to U+FFFD.
        int[] half = [Encodings.Gpt2.Encode("🤖")[0]];
        Assert.Equal(Encodings.Gpt2.Decode(half), tokenizer.Decode(half));
        Assert.Throws<ArgumentOutOfRangeException>(() => tokenizer.Decode([50257]));
    }

    [Fact]
    public void Version1IsGpt2WithEndOfText50256()
    {
        string path = TempPath("gpt2_tokenizer_v1.bin");
        LlmcTokenizer.Write(path, Encodings.Gpt2);
        byte[] bytes = File.ReadAllBytes(path);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(4), 1);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(12), 0);   // version 1 had no EOT field
        File.WriteAllBytes(path, bytes);
        LlmcTokenizer v1 = LlmcTokenizer.Read(path);
        Assert.Equal(1, v1.Version);
        Assert.Equal(50256, v1.EotToken);
        Assert.Equal("<|endoftext|>", v1.Decode([v1.EotToken]));

        string small = TempPath("small.bin");
        LlmcTokenizer.Write(small, [[1], [2]], 1);
        bytes = File.ReadAllBytes(small);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(4), 1);
        File.WriteAllBytes(small, bytes);
        var e = Assert.Throws<InvalidDataException>(() => LlmcTokenizer.Read(small));
        Assert.Contains("vocab_size is 2; version 1 is GPT-2's", e.Message);
    }

    [Fact]
    public void AnyTokenTableRoundTrips()
    {
        var random = new Random(4);
        byte[][] tokens = Enumerable.Range(0, 300).Select(i =>
        {
            var token = new byte[i == 0 ? 255 : random.Next(1, 12)];
            random.NextBytes(token);
            return token;
        }).Append([0]).Append([0xFF, 0xFE]).ToArray();
        string path = TempPath("tok.bin");
        LlmcTokenizer.Write(path, tokens, 299);
        LlmcTokenizer back = LlmcTokenizer.Read(path);
        Assert.Equal(tokens.Length, back.VocabSize);
        Assert.Equal(299, back.EotToken);
        for (int id = 0; id < tokens.Length; id++) Assert.True(tokens[id].AsSpan().SequenceEqual(back.TokenBytes(id)), $"token {id}");
        Assert.Equal(tokens[3].Concat(tokens[300]).Concat(tokens[3]).ToArray(), back.DecodeBytes([3, 300, 3]));
    }

    [Fact]
    public void WritingWhatLlmcCannotHoldIsRefused()
    {
        string path = TempPath("bad.bin");
        Assert.Contains("token 1 has 0 bytes", Assert.Throws<ArgumentException>(() => LlmcTokenizer.Write(path, [[1], []], 0)).Message);
        Assert.Contains("token 0 has 256 bytes", Assert.Throws<ArgumentException>(() => LlmcTokenizer.Write(path, [new byte[256]], 0)).Message);
        Assert.Contains("EOT token 2 is outside", Assert.Throws<ArgumentException>(() => LlmcTokenizer.Write(path, [[1], [2]], 2)).Message);
        Assert.Contains("no <|endoftext|>", Assert.Throws<ArgumentException>(() => LlmcTokenizer.Write(path, CharTokenizer.FromText("abc"))).Message);
        Assert.False(File.Exists(path));
    }

    [Theory]
    [InlineData(new byte[] { 0 }, "token 1 has length 0")]
    [InlineData(new byte[] { 3, 65 }, "it ends inside token 1 of 2")]
    [InlineData(new byte[] { }, "it ends at token 1 of 2")]
    [InlineData(new byte[] { 1, 65, 9, 9 }, "2 trailing bytes after the last of its 2 tokens")]
    [InlineData(new byte[] { }, "header field vocab_size is 2", 3)]
    public void DamagedTokenRecordsAreNamed(byte[] afterFirstToken, string expected, int keep = 4)
    {
        string path = TempPath("tok.bin");
        LlmcTokenizer.Write(path, [[65, 66, 67], [68]], 0);
        byte[] bytes = File.ReadAllBytes(path)[..(1024 + keep)];     // header and the first record
        File.WriteAllBytes(path, [.. bytes, .. afterFirstToken]);
        var e = Assert.Throws<InvalidDataException>(() => LlmcTokenizer.Read(path));
        Assert.Contains(expected, e.Message);
        Assert.StartsWith(path, e.Message);
    }
}
