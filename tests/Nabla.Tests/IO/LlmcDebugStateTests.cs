using Nabla.IO;
using Nabla.Models;
using Nabla.Optim;
using Nabla.Tensors;
using Nabla.Tests.Tensors.Support;
using TorchSharp;
using static Nabla.Tests.IO.LlmcCheckpointTests;
using static TorchSharp.torch;
using TT = TorchSharp.torch.Tensor;
using Tensor = Nabla.Tensors.Tensor;
using Generator = Nabla.Tensors.Generator;

namespace Nabla.Tests.IO;

/// <summary>
/// llm.c's own check (test_gpt2.c), run on a small model: a reference (libtorch, from the checkpoint's bytes)
/// computes logits, loss and gradients on one batch and they are written as a debug state; the state read back
/// is reproduced by Nabla's model loaded from the checkpoint; then ten AdamW steps on that batch with
/// test_gpt2.c's settings (lr 1e-4, betas 0.9/0.999, eps 1e-8, weight decay 0.01 on every parameter, as
/// gpt2_update) give the same ten losses in Nabla and in libtorch.
/// </summary>
public class LlmcDebugStateTests
{
    private const int B = 4, T = 16, Padded = 64;

    private sealed record Files(string Model, string State, LlmcModelHeader Header, LlmcTorchReference Reference, TT Logits, TT Loss) : IDisposable
    {
        public void Dispose() => Reference.Dispose();
    }

    /// <summary>A checkpoint and the debug state libtorch computes for it, as train_gpt2.py writes both.</summary>
    private static Files Write(Tensor idx, Tensor targets)
    {
        string model = TempPath("gpt2_d2.bin"), state = Path.Combine(Path.GetDirectoryName(model)!, "gpt2_d2_debug_state.bin");
        LlmcCheckpoint.Write(model, RandomModel(seed: 11), LlmcDType.Float32, Padded);
        LlmcModelHeader header = LlmcCheckpoint.ReadHeader(model);
        var reference = new LlmcTorchReference(model);
        var (logits, loss) = reference.ForwardBackward(TorchParity.ToTorch(idx), TorchParity.ToTorch(targets));
        var grads = reference.Gradients();
        Gpt shapes = LlmcCheckpoint.Read(model);
        var gradients = shapes.NamedParameters().ToDictionary(p => p.Name, p => ToNabla(reference.Slice(grads, p.Name)));
        LlmcDebugState.Write(state, new LlmcDebugState(idx, targets, ToNabla(logits), loss.item<float>(), gradients), header);
        return new Files(model, state, header, reference, logits, loss);
    }

    private static Tensor ToNabla(TT t)
    {
        TT c = t.detach().contiguous();
        return Tensor.FromArray(c.data<float>().ToArray(), c.shape.Select(s => (int)s).ToArray());
    }

    private static (Tensor Idx, Tensor Targets) Batch()
    {
        var g = new Generator(5);
        return (Tensor.RandInt(0, Vocab, [B, T], g), Tensor.RandInt(0, Vocab, [B, T], g));
    }

    [Fact]
    public void TheFileIsLaidOutAsTestGpt2ReadsIt()
    {
        var (idx, targets) = Batch();
        using Files files = Write(idx, targets);
        // test_gpt2.c's reading: header, x and y (B·T int32 each), logits (B·T·V, not Vp), loss, then
        // num_parameters gradients in the checkpoint's layout (wte with Vp rows).
        using var reader = new BinaryReader(File.OpenRead(files.State));
        int[] header = Enumerable.Range(0, 256).Select(_ => reader.ReadInt32()).ToArray();
        Assert.Equal([20240327, 2, B, T], header[..4]);
        Assert.All(header[4..], v => Assert.Equal(0, v));
        int[] Ints(int n) => Enumerable.Range(0, n).Select(_ => reader.ReadInt32()).ToArray();
        float[] Floats(long n) => Enumerable.Range(0, (int)n).Select(_ => reader.ReadSingle()).ToArray();
        Assert.Equal(idx.ToIntArray(), Ints(B * T));
        Assert.Equal(targets.ToIntArray(), Ints(B * T));
        Assert.Equal(files.Logits.contiguous().data<float>().ToArray(), Floats(B * T * Vocab));
        Assert.Equal(files.Loss.item<float>(), reader.ReadSingle());
        float[] grads = Floats(files.Header.ParameterCount);
        Assert.Equal(files.Reference.FlatGradients(), grads);
        Assert.Equal(reader.BaseStream.Length, reader.BaseStream.Position);
    }

    [Fact]
    public void NablaLoadedFromTheCheckpointReproducesTheStateAndTenAdamWStepsMatchLibtorch()
    {
        var (idx, targets) = Batch();
        using Files files = Write(idx, targets);
        LlmcDebugState state = LlmcDebugState.Read(files.State, LlmcCheckpoint.ReadHeader(files.Model));
        Assert.Equal(idx.ToIntArray(), state.Inputs.ToIntArray());
        Assert.Equal(targets.ToIntArray(), state.Targets.ToIntArray());

        Gpt model = LlmcCheckpoint.Read(files.Model);
        var (logits, loss) = model.Forward(state.Inputs, state.Targets);
        AssertClose("logits", logits.ToArray(), state.Logits.ToArray(), 1e-4);
        Assert.InRange(Math.Abs(loss.Item() - state.Loss), 0, 1e-4);
        loss.Backward();
        foreach (var (name, p) in model.NamedParameters())
            AssertClose($"gradient of {name}", p.Grad!.ToArray(), state.Gradients[name].ToArray(), 1e-3);

        // test_gpt2.c: forward, zero_grad, backward, gpt2_update(lr 1e-4, 0.9, 0.999, 1e-8, wd 0.01, step + 1).
        model.ZeroGrad();
        var optimizer = new AdamW(model.Parameters(), learningRate: 1e-4f, beta1: 0.9f, beta2: 0.999f, eps: 1e-8f, weightDecay: 0.01f);
        using var scope = torch.NewDisposeScope();
        var torchOptimizer = torch.optim.AdamW(files.Reference.Parameters.Values, lr: 1e-4, beta1: 0.9, beta2: 0.999, eps: 1e-8, weight_decay: 0.01);
        TT torchIdx = TorchParity.ToTorch(idx), torchTargets = TorchParity.ToTorch(targets);
        var losses = new List<(float Nabla, float Torch)>();
        for (int step = 0; step < 10; step++)
        {
            Tensor nablaLoss = model.Loss(state.Inputs, state.Targets);
            optimizer.ZeroGrad();
            nablaLoss.Backward();
            optimizer.Step();

            torchOptimizer.zero_grad();
            var (_, torchLoss) = files.Reference.ForwardBackward(torchIdx, torchTargets);
            torchOptimizer.step();
            losses.Add((nablaLoss.Item(), torchLoss.item<float>()));
        }
        foreach (var (step, (nabla, torchLoss)) in losses.Index())
            Assert.True(Math.Abs(nabla - torchLoss) <= 1e-4 * Math.Abs(torchLoss), $"step {step}: loss {nabla:R}, libtorch {torchLoss:R}");
        Assert.True(losses[^1].Nabla < losses[0].Nabla - 1e-3, $"the loss did not fall: {losses[0].Nabla} → {losses[^1].Nabla}");
        foreach (var (name, p) in model.NamedParameters())
            AssertClose($"{name} after ten steps", p.ToArray(), files.Reference.Slice(files.Reference.Parameters, name).detach().contiguous().data<float>().ToArray(), 1e-5);
    }

    [Fact]
    public void RoundTripKeepsEveryValue()
    {
        var (idx, targets) = Batch();
        using Files files = Write(idx, targets);
        LlmcDebugState state = LlmcDebugState.Read(files.State, files.Header);
        string again = Path.Combine(Path.GetDirectoryName(files.State)!, "again.bin");
        LlmcDebugState.Write(again, state, files.Header);
        Assert.Equal(File.ReadAllBytes(files.State), File.ReadAllBytes(again));
        Assert.Equal(B, state.BatchSize);
        Assert.Equal(T, state.SeqLen);
        Assert.Equal([B, T, Vocab], state.Logits.Shape.ToArray());
    }

    [Fact]
    public void WritingAStateThatDoesNotFitTheModelIsRefused()
    {
        var (idx, targets) = Batch();
        using Files files = Write(idx, targets);
        LlmcDebugState state = LlmcDebugState.Read(files.State, files.Header);
        string path = TempPath("bad.bin");
        Assert.Contains("outside the vocabulary", Assert.Throws<ArgumentException>(() =>
            LlmcDebugState.Write(path, state with { Targets = Tensor.FromArray(Enumerable.Repeat(Vocab, B * T).ToArray(), B, T) }, files.Header)).Message);
        Assert.Contains("logits must be float32 [4,16,50]", Assert.Throws<ArgumentException>(() =>
            LlmcDebugState.Write(path, state with { Logits = Tensor.Zeros(B, T, Padded) }, files.Header)).Message);
        var missing = state.Gradients.Where(g => g.Key != "transformer.ln_f.bias").ToDictionary();
        Assert.Contains("'transformer.ln_f.bias' is missing", Assert.Throws<ArgumentException>(() =>
            LlmcDebugState.Write(path, state with { Gradients = missing }, files.Header)).Message);
        Assert.Contains("longer than the model's max_seq_len", Assert.Throws<ArgumentException>(() =>
            LlmcDebugState.Write(path, state, files.Header with { MaxSeqLen = 8 })).Message);
        Assert.False(File.Exists(path));
    }

    [Theory]
    [InlineData(1, 1, "header field version is 1; the known version is 2")]
    [InlineData(2, 0, "header field B is 0; it must be ≥ 1")]
    [InlineData(3, 17, "header field T is 17; it must be ≤ 16")]
    [InlineData(3, 8, "(6656 trailing bytes)")]
    [InlineData(256, 50, "x[0] is token 50, outside the vocabulary [0, 50)")]
    [InlineData(256 + B * T + 3, -1, "y[3] is token -1, outside the vocabulary [0, 50)")]
    public void DamagedStatesAreRefusedNamingTheField(int field, int value, string expected)
    {
        var (idx, targets) = Batch();
        using Files files = Write(idx, targets);
        byte[] bytes = File.ReadAllBytes(files.State);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(4 * field), value);
        File.WriteAllBytes(files.State, bytes);
        var e = Assert.Throws<InvalidDataException>(() => LlmcDebugState.Read(files.State, files.Header));
        Assert.StartsWith($"{files.State}: not a valid llm.c debug state: ", e.Message);
        Assert.EndsWith(expected, e.Message);
    }

    [Fact]
    public void AStateReadWithAnotherModelsSizesIsRefused()
    {
        var (idx, targets) = Batch();
        using Files files = Write(idx, targets);
        var e = Assert.Throws<InvalidDataException>(() => LlmcDebugState.Read(files.State, files.Header with { PaddedVocabSize = 128 }));
        Assert.Contains("(truncated?)", e.Message);
    }

    private static void AssertClose(string what, float[] actual, float[] expected, double tolerance)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < actual.Length; i++)
            if (!(Math.Abs(actual[i] - expected[i]) <= tolerance * (1 + Math.Abs(expected[i]))))
                Assert.Fail($"{what}: element {i} is {actual[i]:G7}, expected {expected[i]:G7}");
    }
}
