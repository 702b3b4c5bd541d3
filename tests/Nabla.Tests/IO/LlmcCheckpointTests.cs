using System.Buffers.Binary;
using Nabla.IO;
using Nabla.Models;
using Nabla.Tensors;
using Nabla.Tests.Tensors.Support;
using TorchSharp;
using static TorchSharp.torch;
using Tensor = Nabla.Tensors.Tensor;
using Generator = Nabla.Tensors.Generator;

namespace Nabla.Tests.IO;

/// <summary>
/// Small random GPTs written as llm.c checkpoints, float32 and bfloat16, read back by Nabla and, independently,
/// by a libtorch model built from the file's bytes in the test: the weights come back (exactly, or rounded to
/// bfloat16 as libtorch rounds them), and both models give the same logits, loss and gradients.
/// </summary>
public class LlmcCheckpointTests
{
    internal const int Vocab = 50;

    /// <summary>GPT-2 in miniature: vocab 50, block 16, 2 layers, 2 heads, width 16, biases and LayerNorms moved
    /// away from 0 and 1 so that one used wrongly cannot hide.</summary>
    internal static Gpt RandomModel(int seed = 7, int vocab = Vocab)
    {
        var g = new Generator((ulong)seed);
        var model = new Gpt(new GptConfig(BlockSize: 16, VocabSize: vocab, NLayer: 2, NHead: 2, NEmbd: 16, Gelu: GeluApproximation.Tanh), g);
        using (Tensor.NoGrad())
            foreach (Tensor p in model.Parameters().Where(p => p.Rank == 1)) p.AddInPlace(Tensor.Randn(p.Shape.ToArray(), g) * 0.1f);
        return model;
    }

    internal static string TempPath(string name) =>
        Path.Combine(Path.GetTempPath(), "nabla-llmc-" + Guid.NewGuid().ToString("N")[..8], name);

    [Theory]
    [InlineData(null, 128)]
    [InlineData(64, 64)]
    [InlineData(128, 128)]
    [InlineData(50, 50)]
    public void Float32HeaderIsLlmcsAndWeightsComeBackExactly(int? padded, int expectedPadded)
    {
        Gpt model = RandomModel();
        string path = TempPath("model.bin");
        LlmcCheckpoint.Write(path, model, LlmcDType.Float32, padded);

        byte[] bytes = File.ReadAllBytes(path);
        int Int(int i) => BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(4 * i));
        Assert.Equal([20240326, 3, 16, Vocab, 2, 2, 16, expectedPadded], Enumerable.Range(0, 8).Select(Int));
        Assert.All(Enumerable.Range(8, 248), i => Assert.Equal(0, Int(i)));
        long parameters = expectedPadded * 16 + 16 * 16 + 2 * (12 * 16 * 16 + 13 * 16) + 2 * 16;
        Assert.Equal(1024 + 4 * parameters, bytes.Length);
        // The padded rows of wte (after the first V rows) are zeros.
        Assert.All(Enumerable.Range(Vocab * 16, (expectedPadded - Vocab) * 16), i => Assert.Equal(0f, BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(1024 + 4 * i))));

        Assert.Equal(new LlmcModelHeader(16, Vocab, 2, 2, 16, expectedPadded), LlmcCheckpoint.ReadHeader(path));
        Gpt back = LlmcCheckpoint.Read(path);
        Assert.Equal(model.Config with { Gelu = GeluApproximation.Tanh }, back.Config);
        var original = model.NamedParameters().ToDictionary(p => p.Name, p => p.Parameter);
        foreach (var (name, p) in back.NamedParameters())
            Assert.True(original[name].ToArray().SequenceEqual(p.ToArray()), $"{name} changed in the round trip");
    }

    [Fact]
    public void BFloat16WeightsAreTheWeightsRoundedAsLibtorchRoundsThem()
    {
        Gpt model = RandomModel();
        string path = TempPath("model_bf16.bin");
        LlmcCheckpoint.Write(path, model, LlmcDType.BFloat16, 64);
        Assert.Equal(1024 + 2 * (64 * 16 + 16 * 16 + 2 * (12 * 16 * 16 + 13 * 16) + 2 * 16), new FileInfo(path).Length);
        Assert.Equal(LlmcDType.BFloat16, LlmcCheckpoint.ReadHeader(path).DType);

        Gpt back = LlmcCheckpoint.Read(path);
        using var scope = torch.NewDisposeScope();
        var original = model.NamedParameters().ToDictionary(p => p.Name, p => p.Parameter);
        foreach (var (name, p) in back.NamedParameters())
        {
            float[] rounded = TorchParity.ToTorch(original[name]).to(torch.bfloat16).to(torch.float32).data<float>().ToArray();
            Assert.True(rounded.SequenceEqual(p.ToArray()), $"{name} is not the bfloat16 rounding of the original");
        }
    }

    [Fact]
    public void RoundingToBFloat16TiesToEvenAndKeepsNaN()
    {
        float[] values = [1f, 1.00390625f, 1.01171875f, -2.5f, float.MaxValue, float.PositiveInfinity, float.Epsilon, 3.3895314e38f, float.NaN, -0f];
        Gpt model = RandomModel();
        using (Tensor.NoGrad()) model.NamedParameters().First(p => p.Name == "transformer.ln_f.bias").Parameter.CopyFrom(Tensor.FromArray([.. values, .. new float[6]], 16));
        string path = TempPath("edge_bf16.bin");
        LlmcCheckpoint.Write(path, model, LlmcDType.BFloat16);
        float[] back = LlmcCheckpoint.Read(path).NamedParameters().First(p => p.Name == "transformer.ln_f.bias").Parameter.ToArray();
        using var scope = torch.NewDisposeScope();
        float[] expected = torch.tensor(values).to(torch.bfloat16).to(torch.float32).data<float>().ToArray();
        for (int i = 0; i < values.Length; i++)
            Assert.True(BitConverter.SingleToInt32Bits(expected[i]) == BitConverter.SingleToInt32Bits(back[i]) || (float.IsNaN(expected[i]) && float.IsNaN(back[i])),
                $"{values[i]:R} became {back[i]:R}, libtorch says {expected[i]:R}");
    }

    [Theory]
    [InlineData(LlmcDType.Float32, 64, 1e-4, 1e-3)]
    [InlineData(LlmcDType.Float32, 128, 1e-4, 1e-3)]
    [InlineData(LlmcDType.BFloat16, 64, 1e-4, 1e-3)]
    [InlineData(LlmcDType.BFloat16, 128, 1e-4, 1e-3)]
    public void LogitsLossAndGradientsMatchALibtorchModelReadFromTheFile(LlmcDType dtype, int padded, double tolerance, double gradientTolerance)
    {
        string path = TempPath("model.bin");
        LlmcCheckpoint.Write(path, RandomModel(seed: padded), dtype, padded);
        var g = new Generator(3);
        Tensor idx = Tensor.RandInt(0, Vocab, [3, 12], g), targets = Tensor.RandInt(0, Vocab, [3, 12], g);

        using var reference = new LlmcTorchReference(path);
        var (expectedLogits, expectedLoss) = reference.ForwardBackward(TorchParity.ToTorch(idx), TorchParity.ToTorch(targets));

        Gpt model = LlmcCheckpoint.Read(path);
        var (logits, loss) = model.Forward(idx, targets);
        TorchParity.AssertClose("logits", logits, expectedLogits, tolerance);
        TorchParity.AssertClose("loss", loss, expectedLoss, tolerance);
        loss.Backward();
        var torchGrads = reference.Gradients();
        foreach (var (name, p) in model.NamedParameters())
            TorchParity.AssertClose($"gradient of {name}", p.Grad!, reference.Slice(torchGrads, name), gradientTolerance);
        Assert.Equal(0f, torchGrads["wte"].narrow(0, Vocab, padded - Vocab).abs().sum().item<float>());
    }

    [Fact]
    public void WritingAModelWithoutBiasesOrWithTooFewPaddedRowsIsRefused()
    {
        var noBias = new Gpt(new GptConfig(8, Vocab, 1, 2, 8, Bias: false));
        var e = Assert.Throws<ArgumentException>(() => LlmcCheckpoint.Write(TempPath("x.bin"), noBias));
        Assert.Contains("biases", e.Message);
        e = Assert.Throws<ArgumentException>(() => LlmcCheckpoint.Write(TempPath("x.bin"), RandomModel(), paddedVocabSize: Vocab - 1));
        Assert.Contains("padded vocab size 49", e.Message);
    }

    [Theory]
    [InlineData(50257, 128, 50304)]
    [InlineData(50, 128, 128)]
    [InlineData(128, 128, 128)]
    [InlineData(129, 64, 192)]
    [InlineData(1, 1, 1)]
    public void PaddedVocabIsRoundedUpAsLlmcDoes(int vocab, int multiple, int expected) =>
        Assert.Equal(expected, LlmcModelHeader.PadVocab(vocab, multiple));

    [Fact]
    public void Gpt2SmallSizesGiveLlmcsParameterCount()
    {
        // train_gpt2.c prints num_parameters: 124475904 for gpt2_124M.bin (padded vocab 50304).
        var header = LlmcModelHeader.For(new GptConfig(1024, 50257, 12, 12, 768));
        Assert.Equal(50304, header.PaddedVocabSize);
        Assert.Equal(124_475_904, header.ParameterCount);
    }

    [Theory]
    [InlineData(0, 20240327, "header field magic is 20240327, expected 20240326")]
    [InlineData(1, 4, "header field version is 4; known versions are 3 (float32) and 5 (bfloat16)")]
    [InlineData(2, 0, "header field max_seq_len is 0; it must be ≥ 1")]
    [InlineData(3, -1, "header field vocab_size is -1; it must be ≥ 1")]
    [InlineData(5, 3, "header field channels (16) is not divisible by num_heads (3)")]
    [InlineData(7, 49, "header field padded_vocab_size (49) is smaller than vocab_size (50)")]
    [InlineData(6, 1 << 30, "header field channels makes a tensor of 4611686018427387904 elements, more than one array holds")]
    [InlineData(4, int.MaxValue, "its header implies 28174985454912 bytes but the file has 32512 (truncated?)")]
    [InlineData(4, 3, "its header implies 45632 bytes but the file has 32512 (truncated?)")]
    [InlineData(4, 1, "its header implies 19392 bytes but the file has 32512 (13120 trailing bytes)")]
    [InlineData(4, int.MaxValue, "header field num_layers (2147483647) makes the parameter count overflow", 6, 16384)]
    public void DamagedHeadersAreRefusedNamingTheField(int field, int value, string expected, int otherField = 0, int otherValue = 20240326)
    {
        string path = TempPath("model.bin");
        LlmcCheckpoint.Write(path, RandomModel(), LlmcDType.Float32, 64);
        byte[] bytes = File.ReadAllBytes(path);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(4 * otherField), otherValue);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(4 * field), value);
        File.WriteAllBytes(path, bytes);
        var e = Assert.Throws<InvalidDataException>(() => LlmcCheckpoint.Read(path));
        Assert.Equal($"{path}: not a valid llm.c checkpoint: {expected}", e.Message);
        Assert.Equal(e.Message, Assert.Throws<InvalidDataException>(() => LlmcCheckpoint.ReadHeader(path)).Message);
    }

    [Fact]
    public void HeadersThatCouldNotBeACheckpointsAreRefusedByValidate()
    {
        Assert.Contains("channels (16) is not divisible by num_heads (3)", Assert.Throws<ArgumentException>(() => new LlmcModelHeader(16, 50, 2, 3, 16, 64).Validate()).Message);
        Assert.Contains("num_layers is 0", Assert.Throws<ArgumentException>(() => new LlmcModelHeader(16, 50, 0, 2, 16, 64).Validate()).Message);
        Assert.Equal(7872, new LlmcModelHeader(16, 50, 2, 2, 16, 64).Validate().ParameterCount);
    }
}
