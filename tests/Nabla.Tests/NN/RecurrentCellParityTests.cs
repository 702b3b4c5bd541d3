using Nabla.NN;
using Nabla.Tests.Tensors.Support;
using TorchSharp;
using static TorchSharp.torch;
using TT = TorchSharp.torch.Tensor;
using Tensor = Nabla.Tensors.Tensor;
using Generator = Nabla.Tensors.Generator;

namespace Nabla.Tests.NN;

/// <summary>
/// RnnCell and GruCell against libtorch's nn.RNNCell and nn.GRUCell: the torch cell receives Nabla's state
/// dict by name (so the names and layouts are PyTorch's), both run the same sequence of several steps, and
/// the hidden states, the gradients of the inputs and initial state and the gradient of every parameter
/// must agree. Then finite differences at a tiny size.
/// </summary>
public class RecurrentCellParityTests
{
    private const int Batch = 3, Steps = 5, InputSize = 4, HiddenSize = 6;

    private static (RecurrentCell Nabla, nn.Module<TT, TT, TT> Torch) Cells(string kind, bool bias, Generator g) => kind switch
    {
        "rnn" => (new RnnCell(InputSize, HiddenSize, bias, g), nn.RNNCell(InputSize, HiddenSize, bias: bias)),
        "gru" => (new GruCell(InputSize, HiddenSize, bias, g), nn.GRUCell(InputSize, HiddenSize, bias: bias)),
        _ => throw new ArgumentException(kind),
    };

    [Theory]
    [InlineData("rnn", true, true)]
    [InlineData("rnn", true, false)]
    [InlineData("rnn", false, true)]
    [InlineData("gru", true, true)]
    [InlineData("gru", true, false)]
    [InlineData("gru", false, true)]
    public void SequenceMatchesLibtorchCellWithTheSameStateDict(string kind, bool bias, bool unroll)
    {
        using var scope = NewDisposeScope();
        var g = new Generator(kind == "rnn" ? 11UL : 12UL);
        var (cell, torchCell) = Cells(kind, bias, g);
        var state = cell.StateDict();
        var torchParameters = torchCell.named_parameters().ToList();
        Assert.Equal(state.Keys.Order(), torchParameters.Select(p => p.name).Order());
        using (no_grad())
            foreach (var (name, p) in torchParameters)
                p.copy_(TorchParity.ToTorch(state[name]).detach());

        Tensor xs = Tensor.Randn([Batch, Steps, InputSize], g).RequireGrad();
        Tensor h0 = Tensor.Randn([Batch, HiddenSize], g).RequireGrad();
        Tensor states = unroll ? cell.Unroll(xs, h0) : StepByStep(cell, xs, h0);

        TT txs = TorchParity.ToTorch(xs), th0 = TorchParity.ToTorch(h0);
        var torchStates = new List<TT>();
        TT h = th0;
        for (int t = 0; t < Steps; t++) torchStates.Add(h = torchCell.forward(txs[.., t], h));
        TT expected = stack(torchStates, dim: 1);
        TorchParity.AssertClose("hidden states", states, expected, TorchParity.DefaultTolerance);

        Tensor dy = Tensor.Randn([Batch, Steps, HiddenSize], new Generator(777));
        states.Backward(dy);
        expected.backward([TorchParity.ToTorch(dy)]);
        TorchParity.AssertClose("gradient of the inputs", xs.Grad!, txs.grad!, TorchParity.DefaultTolerance);
        TorchParity.AssertClose("gradient of the initial state", h0.Grad!, th0.grad!, TorchParity.DefaultTolerance);
        foreach (var (name, p) in torchParameters)
            TorchParity.AssertClose($"gradient of {name}", state[name].Grad!, p.grad!, TorchParity.DefaultTolerance);
    }

    private static Tensor StepByStep(RecurrentCell cell, Tensor xs, Tensor h)
    {
        var states = new Tensor[xs.Size(1)];
        for (int t = 0; t < states.Length; t++) states[t] = h = cell.Forward(xs.Select(1, t), h);
        return Tensor.Stack(states, dim: 1);
    }

    [Theory]
    [InlineData("rnn")]
    [InlineData("gru")]
    public void GradientsMatchFiniteDifferences(string kind)
    {
        var g = new Generator(13);
        RecurrentCell cell = kind == "rnn" ? new RnnCell(2, 3, generator: g) : new GruCell(2, 3, generator: g);
        Tensor xs = Tensor.Randn([2, 3, 2], g).RequireGrad();
        Tensor h0 = Tensor.Randn([2, 3], g).RequireGrad();
        GradCheck.Check(t => cell.Unroll(t[0], t[1]), [xs, h0, .. cell.Parameters()]);
    }

    [Fact]
    public void MissingInitialStateIsZerosAsInPyTorch()
    {
        var g = new Generator(14);
        var cell = new GruCell(3, 4, generator: g);
        Tensor x = Tensor.Randn([2, 3], g);
        Assert.Equal(cell.Forward(x, Tensor.Zeros(2, 4)).ToArray(), cell.Forward(x).ToArray());
        Tensor xs = Tensor.Randn([2, 5, 3], g);
        Assert.Equal(cell.Unroll(xs, Tensor.Zeros(2, 4)).ToArray(), cell.Unroll(xs).ToArray());
    }

    [Fact]
    public void LayoutIsPyTorchsAndInitializationIsUniformOverOneOverRootHidden()
    {
        var gru = new GruCell(5, 100, generator: new Generator(15));
        Assert.Equal(["weight_ih", "weight_hh", "bias_ih", "bias_hh"], gru.NamedParameters().Select(p => p.Name));
        Assert.Equal([300, 5], gru.WeightIh.Shape.ToArray());
        Assert.Equal([300, 100], gru.WeightHh.Shape.ToArray());
        Assert.Equal([300], gru.BiasHh!.Shape.ToArray());
        float bound = 1f / MathF.Sqrt(100);
        float[] w = gru.WeightHh.ToArray();
        Assert.All(w, v => Assert.InRange(v, -bound, bound));
        Assert.InRange(w.Select(v => (double)v * v).Average(), bound * bound / 3 * 0.97, bound * bound / 3 * 1.03);
        Assert.Equal([4, 5], new RnnCell(5, 4, bias: false).WeightIh.Shape.ToArray());
        Assert.Equal(2, new RnnCell(5, 4, bias: false).Parameters().Count());
    }

    [Fact]
    public void WrongShapesAreNamed()
    {
        var cell = new RnnCell(3, 4);
        Assert.Contains("RnnCell(3 → 4): input [2,5] must be (B, 3)",
            Assert.Throws<ArgumentException>(() => cell.Forward(Tensor.Zeros(2, 5))).Message);
        Assert.Contains("RnnCell(3 → 4): hidden state [3,4] must be (2, 4)",
            Assert.Throws<ArgumentException>(() => cell.Forward(Tensor.Zeros(2, 3), Tensor.Zeros(3, 4))).Message);
        Assert.Contains("GruCell(3 → 4): sequence [2,3] must be (B, T ≥ 1, 3)",
            Assert.Throws<ArgumentException>(() => new GruCell(3, 4).Unroll(Tensor.Zeros(2, 3))).Message);
    }
}
