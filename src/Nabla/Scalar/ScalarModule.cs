namespace Nabla.Scalar;

/// <summary>Something with parameters: a <see cref="Neuron"/>, a <see cref="Layer"/>, an <see cref="MLP"/>.</summary>
public abstract class ScalarModule
{
    /// <summary>Every trainable value, in a fixed order (the same order on every call).</summary>
    public abstract IReadOnlyList<Value> Parameters();

    /// <summary>Sets every parameter's gradient to zero: call it before each <see cref="Value.Backward"/>
    /// of a training step, because leaves accumulate gradient across Backward calls.</summary>
    public void ZeroGrad()
    {
        foreach (Value p in Parameters()) p.Grad = 0;
    }
}
