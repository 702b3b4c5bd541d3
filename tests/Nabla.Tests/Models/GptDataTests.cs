using Nabla.IO;
using Nabla.Models;
using Nabla.Tensors;
using Nabla.Tests.Support;

namespace Nabla.Tests.Models;

/// <summary>nanoGPT's shakespeare_char preparation reproduced, the token files, and the batch sampler.</summary>
public class GptDataTests : IDisposable
{
    private readonly string dir = Path.Combine(Path.GetTempPath(), "nabla-gptdata-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
    }

    [SkippableFact]
    public void TinyShakespeareGivesNanoGptsCounts()
    {
        string input = TestData.Require("tinyshakespeare.txt");
        PreparedCounts counts = GptData.Prepare(input, "char", dir);
        Assert.Equal(new PreparedCounts(65, 1_003_854, 111_540), counts);
        GptData data = GptData.Load(dir);
        Assert.Equal(65, data.VocabSize);
        Assert.Equal(1_003_854, data.Train.Length);
        Assert.Equal(111_540, data.Val.Length);
        Assert.Equal(2L * 1_003_854, new FileInfo(Path.Combine(dir, "train.bin")).Length);   // uint16, no header
        // The vocabulary is the sorted characters: newline, space, '!', ..., 'z'; the text starts "First Citizen".
        Assert.Equal("\n !$&',-.3:;?ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz", data.Meta["chars"]!.ToString());
        Assert.Equal("First Citizen", data.Tokenizer.Decode(data.Train.Take(13).Select(t => (int)t).ToArray()));
        string text = File.ReadAllText(input);
        Assert.Equal(text[1_003_854..], data.Tokenizer.Decode(data.Val.Select(t => (int)t).ToArray()));
    }

    /// <summary>nanoGPT's data/shakespeare/prepare.py: the same 90 % cut, GPT-2's encoding, 301,966 and 36,059 tokens.</summary>
    [SkippableFact]
    public void TinyShakespeareInGpt2TokensGivesNanoGptsCounts()
    {
        string input = TestData.Require("tinyshakespeare.txt");
        PreparedCounts counts = GptData.Prepare(input, "gpt2", dir);
        Assert.Equal(new PreparedCounts(50257, 301_966, 36_059), counts);
        GptData data = GptData.Load(dir);
        Assert.Equal("gpt2", data.Meta["tokenizer"]!.ToString());
        Assert.Equal(301_966, data.Train.Length);
        Assert.Equal(36_059, data.Val.Length);
        Assert.StartsWith("First Citizen:\nBefore we proceed", data.Tokenizer.Decode(data.Train.Take(20).Select(t => (int)t).ToArray()));
    }

    [Fact]
    public void Gpt2TokensDecodeBackToEachPartOfTheText()
    {
        Directory.CreateDirectory(dir);
        string input = Path.Combine(dir, "text.txt"), text = string.Concat(Enumerable.Repeat("Hello, world! Ünïcödé 🙂 text.\n", 10));
        File.WriteAllText(input, text);
        PreparedCounts counts = GptData.Prepare(input, "gpt2", Path.Combine(dir, "out"));
        GptData data = GptData.Load(Path.Combine(dir, "out"));
        Assert.Equal(50257, counts.VocabSize);
        Assert.Equal("gpt2", data.Meta["tokenizer"]!.ToString());
        int cut = (int)(text.EnumerateRunes().Count() * 0.9);
        string head = string.Concat(text.EnumerateRunes().Take(cut).Select(r => r.ToString()));
        Assert.Equal(head, data.Tokenizer.Decode(data.Train.Select(t => (int)t).ToArray()));
        Assert.Equal(text[head.Length..], data.Tokenizer.Decode(data.Val.Select(t => (int)t).ToArray()));
    }

    [Fact]
    public void TokenFilesAreLittleEndianUInt16()
    {
        Directory.CreateDirectory(dir);
        string path = Path.Combine(dir, "t.bin");
        TokenFile.Write(path, [0, 1, 258, 65535]);
        Assert.Equal(new byte[] { 0, 0, 1, 0, 2, 1, 255, 255 }, File.ReadAllBytes(path));
        Assert.Equal(new ushort[] { 0, 1, 258, 65535 }, TokenFile.Read(path));
        Assert.Contains("token 65536 at position 1 does not fit in uint16", Assert.Throws<ArgumentException>(() => TokenFile.Write(path, [1, 65536])).Message);
        File.WriteAllBytes(path, [1, 2, 3]);
        Assert.Contains("3 bytes is not a whole number of uint16 tokens", Assert.Throws<InvalidDataException>(() => TokenFile.Read(path)).Message);
    }

    [Fact]
    public void BatchesAreWindowsWithTargetsOneAhead()
    {
        ushort[] tokens = Enumerable.Range(0, 50).Select(i => (ushort)(i * 7 % 50)).ToArray();
        var (x, y) = GptData.Batch(tokens, 6, 9, new Generator(1));
        Assert.Equal([6, 9], x.Shape.ToArray());
        int[] xs = x.ToIntArray(), ys = y.ToIntArray();
        for (int b = 0; b < 6; b++)
        {
            int start = Array.IndexOf(tokens, (ushort)xs[b * 9]);
            for (int t = 0; t < 9; t++)
            {
                Assert.Equal(tokens[start + t], xs[b * 9 + t]);
                Assert.Equal(tokens[start + t + 1], ys[b * 9 + t]);
            }
        }
        Assert.Contains("too few for windows of block size 50", Assert.Throws<InvalidDataException>(() => GptData.Batch(tokens, 1, 50, new Generator(1))).Message);
    }
}
