using System.Buffers.Binary;
using Nabla.IO;
using Nabla.Text;
using static Nabla.Tests.IO.LlmcCheckpointTests;

namespace Nabla.Tests.IO;

/// <summary>llm.c's token shards: the header data_common.py's write_datafile writes, uint16 tokens after it, and
/// the checks llmc/dataloader.h makes (a known magic and version, at least one token, an exact file length).</summary>
public class LlmcTokenFileTests
{
    [Fact]
    public void TokensRoundTripBehindLlmcsHeader()
    {
        int[] tokens = [0, 1, 50256, 65535, 12, 7, 40000];
        string path = TempPath("tiny_train.bin");
        LlmcTokenFile.Write(path, tokens);
        byte[] bytes = File.ReadAllBytes(path);
        Assert.Equal(1024 + 2 * tokens.Length, bytes.Length);
        int Int(int i) => BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(4 * i));
        Assert.Equal([20240520, 1, tokens.Length], Enumerable.Range(0, 3).Select(Int));
        Assert.All(Enumerable.Range(3, 253), i => Assert.Equal(0, Int(i)));
        Assert.Equal(tokens, Enumerable.Range(0, tokens.Length).Select(i => (int)BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(1024 + 2 * i))));
        Assert.Equal(tokens, LlmcTokenFile.Read(path).Select(t => (int)t));
        Assert.Equal(tokens.Length, LlmcTokenFile.ReadCount(path));
    }

    [Fact]
    public void Gpt2EncodedTextRoundTripsThroughAFileAndTheTokenizerFile()
    {
        const string text = "First Citizen:\nBefore we proceed any further, hear me speak.<|endoftext|>All:\nSpeak, speak.";
        int[] ids = Encodings.Gpt2.Encode(text, AllowedSpecial.All);
        string data = TempPath("shard.bin"), vocabulary = Path.Combine(Path.GetDirectoryName(data)!, "tok.bin");
        LlmcTokenFile.Write(data, ids);
        LlmcTokenizer.Write(vocabulary, Encodings.Gpt2);
        int[] back = LlmcTokenFile.Read(data).Select(t => (int)t).ToArray();
        Assert.Equal(text, LlmcTokenizer.Read(vocabulary).Decode(back));
    }

    [Fact]
    public void WritingTokensThatDoNotFitIsRefused()
    {
        string path = TempPath("bad.bin");
        Assert.Contains("token 65536 at position 1", Assert.Throws<ArgumentException>(() => LlmcTokenFile.Write(path, [1, 65536])).Message);
        Assert.Contains("token -1 at position 0", Assert.Throws<ArgumentException>(() => LlmcTokenFile.Write(path, [-1])).Message);
        Assert.Contains("no tokens", Assert.Throws<ArgumentException>(() => LlmcTokenFile.Write(path, [])).Message);
        Assert.False(File.Exists(path));
    }

    [Theory]
    [InlineData(0, 20240326, "header field magic is 20240326, expected 20240520")]
    [InlineData(1, 7, "header field version is 7; the known version is 1 (uint16 tokens)")]
    [InlineData(2, 0, "header field token count is 0; it must be ≥ 1")]
    [InlineData(2, 4, "its header implies 1032 bytes but the file has 1030 (truncated?)")]
    [InlineData(2, 2, "its header implies 1028 bytes but the file has 1030 (2 trailing bytes)")]
    public void DamagedHeadersAreNamed(int field, int value, string expected)
    {
        string path = TempPath("shard.bin");
        LlmcTokenFile.Write(path, [5, 6, 7]);
        byte[] bytes = File.ReadAllBytes(path);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(4 * field), value);
        File.WriteAllBytes(path, bytes);
        var e = Assert.Throws<InvalidDataException>(() => LlmcTokenFile.Read(path));
        Assert.Equal($"{path}: not a valid llm.c token file: {expected}", e.Message);
    }

    [Fact]
    public void NanoGptsHeaderlessFileIsNotTakenForOne()
    {
        string path = TempPath("train.bin");
        TokenFile.Write(path, Enumerable.Range(0, 2000).ToArray());
        var e = Assert.Throws<InvalidDataException>(() => LlmcTokenFile.Read(path));
        Assert.Contains("header field magic is", e.Message);
    }
}
