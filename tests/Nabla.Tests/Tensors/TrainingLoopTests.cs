using Nabla.Tensors;

namespace Nabla.Tests.Tensors;

/// <summary>The whole mechanism end to end: a small MLP learns y = sin(3x) by plain gradient descent.</summary>
public class TrainingLoopTests
{
    [Fact]
    public void AnMlpFitsASineWithGradientDescent()
    {
        var g = new Generator(2);
        Tensor x = Tensor.Linspace(-1f, 1f, 64).Reshape(64, 1);
        Tensor y = (x * 3f).Detach();
        using (Tensor.NoGrad()) y = Sin(y);
        Tensor w1 = (Tensor.Randn([1, 32], g) * 1f).Detach().RequireGrad(), b1 = Tensor.Zeros(32).RequireGrad();
        Tensor w2 = (Tensor.Randn([32, 1], g) * 0.2f).Detach().RequireGrad(), b2 = Tensor.Zeros(1).RequireGrad();
        Tensor[] parameters = [w1, b1, w2, b2];

        float first = 0, last = 0;
        for (int step = 0; step < 600; step++)
        {
            using var scope = new TensorScope();
            foreach (Tensor p in parameters) p.ZeroGrad();
            Tensor loss = ((x.MatMul(w1) + b1).Tanh().MatMul(w2) + b2 - y).Pow(2f).Mean();
            loss.Backward();
            foreach (Tensor p in parameters)
            {
                // p −= lr · grad, in place on the leaf's storage (an optimizer's step)
                Span<float> values = p.Span, grad = p.Grad!.Span;
                for (int i = 0; i < values.Length; i++) values[i] -= 0.2f * grad[i];
            }
            if (step == 0) first = loss.Item();
            last = loss.Item();
        }
        Assert.True(first > 0.1f, $"initial loss {first}");
        Assert.True(last < 0.05f * first, $"loss went from {first} to {last}");
    }

    private static Tensor Sin(Tensor t) => Tensor.FromArray(t.ToArray().Select(MathF.Sin).ToArray(), t.Shape.ToArray());
}
