using Nabla.Tensors;
using Nabla.Tests.Tensors.Support;
using TorchSharp;
using TT = TorchSharp.torch.Tensor;

namespace Nabla.Tests.Tensors;

/// <summary>In-place updates against libtorch's underscore methods, on the one-pass path (contiguous, same
/// shape) and the general one (views, broadcasting), and the rule that keeps autograd honest.</summary>
public class InPlaceTests
{
    public static TheoryData<string> Updates => new() { "add", "add-scalar", "mul", "mul-scalar", "lerp", "addcmul", "addcdiv", "sqrt", "copy", "fill", "zero" };

    private static Tensor Apply(string update, Tensor target, Tensor a, Tensor b) => update switch
    {
        "add" => target.AddInPlace(a, alpha: -0.3f),
        "add-scalar" => target.AddInPlace(1.5f),
        "mul" => target.MulInPlace(a),
        "mul-scalar" => target.MulInPlace(0.9f),
        "lerp" => target.LerpInPlace(a, 0.1f),
        "addcmul" => target.AddProductInPlace(a, b, 0.01f),
        "addcdiv" => target.AddQuotientInPlace(a, b, -0.2f),
        "sqrt" => target.SqrtInPlace(),
        "copy" => target.CopyFrom(a),
        "fill" => target.FillInPlace(7f),
        "zero" => target.ZeroInPlace(),
        _ => throw new ArgumentException(update),
    };

    private static TT Apply(string update, TT target, TT a, TT b) => update switch
    {
        "add" => target.add_(a, alpha: -0.3f),
        "add-scalar" => target.add_(1.5f),
        "mul" => target.mul_(a),
        "mul-scalar" => target.mul_(0.9f),
        "lerp" => target.lerp_(a, 0.1f),
        "addcmul" => target.addcmul_(a, b, 0.01f),
        "addcdiv" => target.addcdiv_(a, b, -0.2f),
        "sqrt" => target.sqrt_(),
        "copy" => target.copy_(a),
        "fill" => target.fill_(7f),
        "zero" => target.zero_(),
        _ => throw new ArgumentException(update),
    };

    [Theory]
    [MemberData(nameof(Updates))]
    public void ContiguousUpdatesMatchLibtorch(string update)
    {
        // 37 elements: whole vectors of every width and a tail.
        var g = new Generator(5);
        Tensor target = Tensor.Rand([37], g) + 0.5f, a = Tensor.Randn([37], g), b = Tensor.Rand([37], g) + 0.5f;
        using var scope = torch.NewDisposeScope();
        TT expected = Apply(update, TorchParity.ToTorch(target), TorchParity.ToTorch(a), TorchParity.ToTorch(b));
        Tensor result = Apply(update, target, a, b);
        Assert.Same(target, result);
        TorchParity.AssertClose(update, target, expected, 1e-6);
    }

    [Theory]
    [MemberData(nameof(Updates))]
    public void ViewsAndBroadcastOperandsMatchLibtorch(string update)
    {
        // The target is a transposed view of a larger storage; the operands broadcast along its rows.
        var g = new Generator(6);
        Tensor storage = Tensor.Rand([4, 5], g) + 0.5f;
        Tensor target = storage.T.Slice(0, 1, 4);                       // [3, 4], strided
        Tensor a = Tensor.Randn([4], g), b = Tensor.Rand([3, 1], g) + 0.5f;
        using var scope = torch.NewDisposeScope();
        TT torchStorage = TorchParity.ToTorch(storage);
        Apply(update, torchStorage.t().slice(0, 1, 4, 1), TorchParity.ToTorch(a), TorchParity.ToTorch(b));
        Apply(update, target, a, b);
        TorchParity.AssertClose(update + " (the whole storage)", storage, torchStorage, 1e-6);
    }

    [Fact]
    public void NormalAndUniformInPlaceDrawWhatRandnAndRandWould()
    {
        foreach (int[] shape in new[] { new[] { 1 }, new[] { 3, 5 }, new[] { 2, 3, 7 } })
        {
            Tensor expected = Tensor.Randn(shape, new Generator(9)) * 0.02f + 0.5f;
            Tensor actual = Tensor.Zeros(shape).NormalInPlace(0.5f, 0.02f, new Generator(9));
            Assert.Equal(expected.ToArray(), actual.ToArray());
            expected = Tensor.Rand(shape, new Generator(4)) * 0.6f + -0.3f;
            actual = Tensor.Zeros(shape).UniformInPlace(-0.3f, 0.3f, new Generator(4));
            Assert.Equal(expected.ToArray(), actual.ToArray());
        }

        // A view: the draws land in the view's elements only, in its order.
        Tensor parent = Tensor.Zeros(4, 6);
        Tensor column = parent.Select(1, 2);
        column.NormalInPlace(0f, 1f, new Generator(3));
        Assert.Equal(Tensor.Randn([4], new Generator(3)).ToArray(), column.ToArray());
        Assert.Equal(4, parent.ToArray().Count(v => v != 0f));

        Tensor weight = Tensor.Zeros(2, 2).RequireGrad();
        var error = Assert.Throws<InvalidOperationException>(() => weight.NormalInPlace(0f, 1f, new Generator(1)));
        Assert.Contains("NormalInPlace", error.Message);
    }

    [Fact]
    public void ALeafThatRequiresGradIsUpdatedOnlyOutsideGraphRecording()
    {
        Tensor w = Tensor.Ones(3).RequireGrad();
        w.Name = "layer.weight";
        var error = Assert.Throws<InvalidOperationException>(() => w.AddInPlace(Tensor.Ones(3), alpha: -0.1f));
        Assert.Contains("AddInPlace", error.Message);
        Assert.Contains("'layer.weight' [3]", error.Message);
        Assert.Contains("NoGrad", error.Message);
        Assert.Equal([1f, 1f, 1f], w.ToArray());

        using (Tensor.NoGrad()) w.AddInPlace(Tensor.Ones(3), alpha: -0.1f);
        Assert.Equal([0.9f, 0.9f, 0.9f], w.ToArray());
        w.Detach().MulInPlace(2f);                 // Detach()'d data needs no gradient: legal, and shares storage
        Assert.Equal([1.8f, 1.8f, 1.8f], w.ToArray());
        Tensor y = w * 2f;
        Assert.Throws<InvalidOperationException>(() => y.FillInPlace(0f)); // a result in the graph, too
    }

    [Fact]
    public void AnOperandThatCannotFitTheTargetIsNamed()
    {
        Tensor target = Tensor.Zeros(2, 3);
        var error = Assert.Throws<ArgumentException>(() => target.AddInPlace(Tensor.Ones(4, 2, 3)));
        Assert.Contains("AddInPlace: an operand of shape [4,2,3] cannot be written into a leaf tensor [2,3]", error.Message);
        Assert.Throws<ArgumentException>(() => target.CopyFrom(Tensor.Ones(2)));
        Assert.Throws<ArgumentException>(() => Tensor.ZerosInt(3).FillInPlace(1f));
    }

    [Fact]
    public void AHandWrittenSgdStepOnlyUsesThePublicApi()
    {
        // p.data += -lr * p.grad, as the lectures write it.
        var g = new Generator(7);
        Tensor x = Tensor.Randn([16, 3], g), target = x.MatMul(Tensor.FromArray([1f, -2f, 0.5f], 3, 1));
        Tensor w = Tensor.Randn([3, 1], g).RequireGrad();
        float first = 0, last = 0;
        for (int step = 0; step < 100; step++)
        {
            w.Grad?.ZeroInPlace();
            Tensor loss = (x.MatMul(w) - target).Pow(2f).Mean();
            loss.Backward();
            using (Tensor.NoGrad()) w.AddInPlace(w.Grad!, alpha: -0.1f);
            if (step == 0) first = loss.Item();
            last = loss.Item();
        }
        Assert.True(last < 0.01f * first, $"loss {first} -> {last}");
    }
}
