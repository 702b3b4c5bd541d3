using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;
using Nabla.Tensors;

namespace Nabla.Optim;

/// <summary>Rescales gradients whose combined size is too large, so one bad batch cannot throw the parameters far.</summary>
public static class GradientClipping
{
    /// <summary>
    /// Computes the global L2 norm of all gradients (as if they were one vector) and, if it exceeds
    /// <paramref name="maxNorm"/>, scales every gradient by maxNorm / (norm + 1e-6), as PyTorch's
    /// clip_grad_norm_. Returns the norm before clipping (worth logging: spikes show instability).
    /// </summary>
    public static float ClipGradNorm(IEnumerable<Tensor> parameters, float maxNorm)
    {
        if (!(maxNorm > 0f)) throw new ArgumentException($"ClipGradNorm: maxNorm must be positive, got {maxNorm}");
        float total = GlobalNorm(parameters);
        float scale = maxNorm / (total + 1e-6f);
        if (scale < 1f)
            using (Tensor.NoGrad())
                foreach (Tensor p in parameters) p.Grad?.MulInPlace(scale);
        return total;
    }

    /// <summary>The L2 norm of all gradients together, √(Σ over parameters of ‖grad‖²).</summary>
    public static float GlobalNorm(IEnumerable<Tensor> parameters)
    {
        double sumOfSquares = 0;
        foreach (Tensor p in parameters)
            if (p.Grad is Tensor g)
            {
                float norm = TensorPrimitives.Norm(g.AsReadOnlySpan());
                sumOfSquares += (double)norm * norm;
            }
        return (float)Math.Sqrt(sumOfSquares);
    }
}
