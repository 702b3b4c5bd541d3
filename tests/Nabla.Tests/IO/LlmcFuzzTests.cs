using System.Buffers.Binary;
using Nabla.IO;
using Nabla.Models;
using Nabla.Tensors;
using static Nabla.Tests.IO.LlmcCheckpointTests;

namespace Nabla.Tests.IO;

/// <summary>
/// Mutated llm.c files: cut at every header field and inside the payload, header fields set to 0, −1, huge and
/// off-by-one values, bytes appended, random bytes of the header (and of a tokenizer's records) replaced. Every
/// read either succeeds with what the header says, or throws the one <see cref="InvalidDataException"/>, on one
/// line that starts with the file's path; never another exception, never a huge allocation (the length check
/// comes before any payload is read, and the files are a few kilobytes).
/// </summary>
public class LlmcFuzzTests
{
    private static readonly Lazy<string> SeedDirectory = new(() =>
    {
        string model = TempPath("model.bin"), dir = Path.GetDirectoryName(model)!;
        Gpt gpt = new(new GptConfig(BlockSize: 8, VocabSize: 10, NLayer: 2, NHead: 2, NEmbd: 4, Gelu: GeluApproximation.Tanh), new Generator(1));
        LlmcCheckpoint.Write(model, gpt, LlmcDType.Float32, 16);
        LlmcCheckpoint.Write(Path.Combine(dir, "model_bf16.bin"), gpt, LlmcDType.BFloat16);
        var header = LlmcCheckpoint.ReadHeader(model);
        var (logits, loss) = gpt.Forward(Tensor.FromArray([1, 2, 3, 4, 5, 6], 2, 3), Tensor.FromArray([2, 3, 4, 5, 6, 7], 2, 3));
        loss.Backward();
        var grads = gpt.NamedParameters().ToDictionary(p => p.Name, p => p.Parameter.Grad!);
        LlmcDebugState.Write(Path.Combine(dir, "state.bin"), new LlmcDebugState(Tensor.FromArray([1, 2, 3, 4, 5, 6], 2, 3),
            Tensor.FromArray([2, 3, 4, 5, 6, 7], 2, 3), logits.Detach(), loss.Item(), grads), header);
        LlmcTokenizer.Write(Path.Combine(dir, "tokenizer.bin"), Enumerable.Range(0, 12).Select(i => Enumerable.Repeat((byte)(65 + i), 1 + i % 3).ToArray()).ToArray(), 11);
        LlmcTokenFile.Write(Path.Combine(dir, "tokens.bin"), Enumerable.Range(0, 20).Select(i => i * 3000).ToArray());
        return dir;
    });

    private static readonly LlmcModelHeader StateModel = new(8, 10, 2, 2, 4, 16);

    /// <summary>Reads a file of the kind and checks that what came back agrees with the file's header and length.</summary>
    private static void Read(string kind, string path)
    {
        long length = new FileInfo(path).Length;
        switch (kind)
        {
            case "model.bin" or "model_bf16.bin":
                LlmcModelHeader header = LlmcCheckpoint.ReadHeader(path);
                Assert.Equal(length, 1024 + header.ParameterCount * header.BytesPerElement);
                Gpt model = LlmcCheckpoint.Read(path);
                Assert.Equal(header.ToGptConfig(), model.Config);
                Assert.Equal(header.ParameterCount - (long)(header.PaddedVocabSize - header.VocabSize) * header.Channels, model.ParameterCount());
                break;
            case "state.bin":
                LlmcDebugState state = LlmcDebugState.Read(path, StateModel);
                Assert.Equal([state.BatchSize, state.SeqLen, StateModel.VocabSize], state.Logits.Shape.ToArray());
                Assert.All(state.Inputs.ToIntArray().Concat(state.Targets.ToIntArray()), t => Assert.InRange(t, 0, StateModel.VocabSize - 1));
                break;
            case "tokenizer.bin":
                LlmcTokenizer tokenizer = LlmcTokenizer.Read(path);
                Assert.InRange(tokenizer.EotToken, 0, tokenizer.VocabSize - 1);
                Assert.Equal(length, 1024 + Enumerable.Range(0, tokenizer.VocabSize).Sum(i => 1 + tokenizer.TokenBytes(i).Length));
                break;
            case "tokens.bin":
                Assert.Equal(length, 1024 + 2 * LlmcTokenFile.Read(path).Length);
                break;
        }
    }

    private static void ReadOrRefuse(string kind, byte[] bytes, string what)
    {
        string path = Path.Combine(SeedDirectory.Value, "mutated-" + kind);
        File.WriteAllBytes(path, bytes);
        try { Read(kind, path); }
        catch (InvalidDataException e)
        {
            Assert.True(e.Message.StartsWith(path + ": not a valid llm.c ", StringComparison.Ordinal), $"{what}: '{e.Message}' does not name the file first");
            Assert.DoesNotContain('\n', e.Message);
        }
        catch (Exception e) when (e is not Xunit.Sdk.XunitException)
        {
            Assert.Fail($"{kind}, {what}: {e.GetType().Name}: {e.Message}");
        }
    }

    public static TheoryData<string> Kinds => ["model.bin", "model_bf16.bin", "state.bin", "tokenizer.bin", "tokens.bin"];

    [Theory]
    [MemberData(nameof(Kinds))]
    public void TheUnmutatedFileReads(string kind) => Read(kind, Path.Combine(SeedDirectory.Value, kind));

    [Theory]
    [MemberData(nameof(Kinds))]
    public void TruncatedAtEveryHeaderFieldAndInThePayload(string kind)
    {
        byte[] file = File.ReadAllBytes(Path.Combine(SeedDirectory.Value, kind));
        int[] cuts = [0, 1, 3, .. Enumerable.Range(0, 10).Select(i => 4 * i), 1023, 1024, 1025, (file.Length + 1024) / 2, file.Length - 2, file.Length - 1];
        foreach (int cut in cuts)
        {
            string path = Path.Combine(SeedDirectory.Value, "cut-" + kind);
            File.WriteAllBytes(path, file[..cut]);
            var e = Assert.Throws<InvalidDataException>(() => Read(kind, path));
            Assert.StartsWith(path, e.Message);
            Assert.DoesNotContain('\n', e.Message);
        }
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void HeaderFieldsSetToEdgeValues(string kind)
    {
        byte[] file = File.ReadAllBytes(Path.Combine(SeedDirectory.Value, kind));
        for (int field = 0; field < 9; field++)
        {
            int v = BinaryPrimitives.ReadInt32LittleEndian(file.AsSpan(4 * field));
            foreach (int value in new[] { 0, -1, 1, 2, 3, 5, int.MaxValue, int.MinValue, 1 << 16, 1 << 30, v + 1, v - 1, unchecked(v * 2), v / 2 })
            {
                var copy = (byte[])file.Clone();
                BinaryPrimitives.WriteInt32LittleEndian(copy.AsSpan(4 * field), value);
                ReadOrRefuse(kind, copy, $"field {field} = {value}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void AppendedBytesAreRefused(string kind)
    {
        byte[] file = File.ReadAllBytes(Path.Combine(SeedDirectory.Value, kind));
        foreach (int extra in new[] { 1, 2, 3, 4, 1024 })
        {
            string path = Path.Combine(SeedDirectory.Value, "long-" + kind);
            File.WriteAllBytes(path, [.. file, .. new byte[extra]]);
            var e = Assert.Throws<InvalidDataException>(() => Read(kind, path));
            Assert.Contains("trailing", e.Message);
        }
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void RandomBytesOfTheHeaderReplaced(string kind)
    {
        byte[] file = File.ReadAllBytes(Path.Combine(SeedDirectory.Value, kind));
        var random = new Random(kind.Length);
        // The tokenizer's length bytes are as much its structure as its header: mutate those too.
        int span = kind == "tokenizer.bin" ? file.Length : 40;
        for (int round = 0; round < 300; round++)
        {
            var copy = (byte[])file.Clone();
            for (int k = random.Next(1, 5); k > 0; k--) copy[random.Next(span)] = (byte)random.Next(256);
            ReadOrRefuse(kind, copy, $"round {round}");
        }
    }
}
