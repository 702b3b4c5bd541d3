using Nabla.Tensors;
using Nabla.Tests.Tensors.Support;
using TorchSharp;
using TorchSharp.Modules;
using TT = TorchSharp.torch.Tensor;

namespace Nabla.Tests.Tensors;

/// <summary>
/// One NaN rule on every path: an elementwise op gives libtorch's result for a NaN input, forward and
/// backward, wherever the NaN falls — in a full register of 4, 8 or 16 lanes, in the scalar tail after
/// them, or in a tensor too short for any register. Each length below is one to three registers of
/// some width plus a tail, and the NaN is put at every position in turn.
/// </summary>
public class NaNPropagationTests
{
    public static readonly TheoryData<int> Lengths = new(LengthsOfEveryPath());

    private static IEnumerable<int> LengthsOfEveryPath()
    {
        var lengths = new SortedSet<int> { 1, 2, 3 };
        foreach (int width in new[] { 4, 8, 16 })
            for (int registers = 1; registers <= 3; registers++)
                foreach (int tail in new[] { 0, 1, width - 1 })
                    lengths.Add(registers * width + tail);
        return lengths;
    }

    private sealed record UnaryCase(Func<Tensor, Tensor> Nabla, Func<TT, TT> Torch, bool PositiveInput = false);

    private static readonly Dictionary<string, UnaryCase> UnaryOps = new()
    {
        ["relu"] = new(x => x.Relu(), x => x.relu()),
        ["clamp"] = new(x => x.Clamp(-0.5f, 0.5f), x => x.clamp(-0.5, 0.5)),
        ["abs"] = new(x => x.Abs(), x => x.abs()),
        ["neg"] = new(x => -x, x => -x),
        ["exp"] = new(x => x.Exp(), x => x.exp()),
        ["log"] = new(x => x.Log(), x => x.log(), PositiveInput: true),
        ["sqrt"] = new(x => x.Sqrt(), x => x.sqrt(), PositiveInput: true),
        ["tanh"] = new(x => x.Tanh(), x => x.tanh()),
        ["sigmoid"] = new(x => x.Sigmoid(), x => x.sigmoid()),
        ["gelu"] = new(x => x.Gelu(), x => torch.nn.functional.gelu(x)),
        ["gelu tanh"] = new(x => x.Gelu(GeluApproximation.Tanh), x => torch.nn.functional.gelu(x, GELU.Approximate.tanh)),
        ["pow 2"] = new(x => x.Pow(2f), x => x.pow(2)),
        ["pow 3"] = new(x => x.Pow(3f), x => x.pow(3)),
        ["pow 0.5"] = new(x => x.Pow(0.5f), x => x.pow(0.5), PositiveInput: true),
    };

    private sealed record BinaryCase(Func<Tensor, Tensor, Tensor> Nabla, Func<TT, TT, TT> Torch, bool PositiveFirst = false);

    private static readonly Dictionary<string, BinaryCase> BinaryOps = new()
    {
        ["add"] = new((a, b) => a + b, (a, b) => a + b),
        ["sub"] = new((a, b) => a - b, (a, b) => a - b),
        ["mul"] = new((a, b) => a * b, (a, b) => a * b),
        ["div"] = new((a, b) => a / b, (a, b) => a / b),
        ["maximum"] = new(Tensor.Maximum, torch.maximum),
        ["minimum"] = new(Tensor.Minimum, torch.minimum),
        ["pow"] = new((a, b) => a.Pow(b), (a, b) => a.pow(b), PositiveFirst: true),
    };

    public static TheoryData<string, int> UnaryCases()
    {
        var data = new TheoryData<string, int>();
        foreach (string op in UnaryOps.Keys) foreach (int n in LengthsOfEveryPath()) data.Add(op, n);
        return data;
    }

    public static TheoryData<string, int, int> BinaryCases()
    {
        var data = new TheoryData<string, int, int>();
        foreach (string op in BinaryOps.Keys)
            foreach (int n in LengthsOfEveryPath())
                for (int side = 0; side < 2; side++) data.Add(op, n, side);
        return data;
    }

    /// <summary>n values of a tensor, with NaN at <paramref name="nanAt"/> (none if −1).</summary>
    private static float[] Values(int n, int nanAt, bool positive, ulong seed)
    {
        var g = new Generator(seed);
        var v = new float[n];
        for (int i = 0; i < n; i++) v[i] = positive ? 0.5f + 1.5f * g.NextFloat() : 2f * g.NextNormal();
        if (nanAt >= 0) v[nanAt] = float.NaN;
        return v;
    }

    /// <summary>Row p of an [n, n] torch tensor is the input with NaN at position p: one libtorch call covers every position.</summary>
    private static TT TorchRows(int n, bool positive, ulong seed, bool withNaN)
    {
        var all = new float[n * n];
        for (int p = 0; p < n; p++) Values(n, withNaN ? p : -1, positive, seed).CopyTo(all, p * n);
        return torch.tensor(all, [n, n]).requires_grad_(true);
    }

    [Theory, MemberData(nameof(UnaryCases))]
    public void UnaryOpsGiveLibtorchsResultForNaNAtEveryPosition(string op, int n)
    {
        UnaryCase c = UnaryOps[op];
        float[] dy = Values(n, -1, false, 99);
        using var scope = torch.NewDisposeScope();
        TT x = TorchRows(n, c.PositiveInput, 1, withNaN: true);
        TT y = c.Torch(x);
        y.backward([torch.tensor(Enumerable.Repeat(dy, n).SelectMany(r => r).ToArray(), [n, n])]);
        for (int p = 0; p < n; p++)
        {
            Tensor input = Tensor.FromArray(Values(n, p, c.PositiveInput, 1)).RequireGrad();
            Tensor output = c.Nabla(input);
            output.Backward(Tensor.FromArray(dy));
            TorchParity.AssertClose($"{op} forward, n = {n}, NaN at {p}", output, y[p], 1e-4);
            TorchParity.AssertClose($"{op} backward, n = {n}, NaN at {p}", input.Grad!, x.grad![p], 1e-4);
        }
    }

    [Theory, MemberData(nameof(BinaryCases))]
    public void BinaryOpsGiveLibtorchsResultForNaNAtEveryPosition(string op, int n, int nanSide)
    {
        BinaryCase c = BinaryOps[op];
        bool[] positive = [c.PositiveFirst, false];
        float[] dy = Values(n, -1, false, 99);
        using var scope = torch.NewDisposeScope();
        TT a = TorchRows(n, positive[0], 1, withNaN: nanSide == 0);
        TT b = TorchRows(n, positive[1], 2, withNaN: nanSide == 1);
        TT y = c.Torch(a, b);
        y.backward([torch.tensor(Enumerable.Repeat(dy, n).SelectMany(r => r).ToArray(), [n, n])]);
        for (int p = 0; p < n; p++)
        {
            Tensor first = Tensor.FromArray(Values(n, nanSide == 0 ? p : -1, positive[0], 1)).RequireGrad();
            Tensor second = Tensor.FromArray(Values(n, nanSide == 1 ? p : -1, positive[1], 2)).RequireGrad();
            Tensor output = c.Nabla(first, second);
            output.Backward(Tensor.FromArray(dy));
            string where = $"n = {n}, NaN in operand {nanSide} at {p}";
            TorchParity.AssertClose($"{op} forward, {where}", output, y[p], 1e-4);
            TorchParity.AssertClose($"{op} gradient of operand 0, {where}", first.Grad!, a.grad![p], 1e-4);
            TorchParity.AssertClose($"{op} gradient of operand 1, {where}", second.Grad!, b.grad![p], 1e-4);
        }
    }

    [Theory, MemberData(nameof(Lengths))]
    public void AnomalyModeSeesTheNaNOfRelu(int n)
    {
        for (int p = 0; p < n; p++)
        {
            Tensor x = Tensor.FromArray(Values(n, p, false, 3));
            using var anomaly = Tensor.AnomalyDetection();
            var error = Assert.Throws<InvalidOperationException>(() => x.Relu());
            Assert.Contains("Relu produced NaN", error.Message);
        }
    }
}
