using Nabla.Kernels;

namespace Nabla.Tensors;

/// <summary>
/// Cross-entropy from logits with class-index targets, mean over the rows whose target is not
/// <c>ignoreIndex</c> (as torch.nn.functional.cross_entropy). One fused kernel computes log-softmax, picks
/// the target's log-probability and keeps softmax for backward, where ∂loss/∂logits = (softmax − onehot) / N.
/// </summary>
public sealed partial class Tensor
{
    /// <summary>
    /// This tensor holds logits [N, C] (or [C] for one example); <paramref name="targets"/> holds int32 class
    /// indices [N] (or []), each in [0, C) or equal to <paramref name="ignoreIndex"/>. Returns the mean loss, a
    /// scalar; NaN if every target is ignored, as in PyTorch. For [B, T, C] logits, reshape to [B·T, C] first.
    /// </summary>
    public Tensor CrossEntropy(Tensor targets, int ignoreIndex = -100)
    {
        const string op = "CrossEntropy";
        RequireFloat(op);
        targets.RequireInt(op);
        if (Rank == 1 && targets.Rank == 0) return Reshape(1, shape[0]).CrossEntropy(targets.Reshape(1), ignoreIndex);
        if (Rank != 2 || targets.Rank != 1 || targets.shape[0] != shape[0])
            throw new ArgumentException(
                $"{op}: expects logits [N, C] and targets [N], got logits {Shapes.Format(shape)} and targets {Shapes.Format(targets.shape)}" +
                (Rank > 2 ? " (reshape [B, T, C] logits to [B·T, C] and targets to [B·T])" : ""));
        int rows = shape[0], cols = shape[1];
        if (cols == 0) throw new ArgumentException($"{op}: logits {Shapes.Format(shape)} have no classes");

        Tensor target = targets.Contiguous();
        ReadOnlySpan<int> t = target.IntSpan;
        for (int r = 0; r < rows; r++)
            if (t[r] != ignoreIndex && (uint)t[r] >= (uint)cols)
                throw new IndexOutOfRangeException(
                    $"{op}: target {t[r]} at position {r} is out of range for {cols} classes (valid: 0..{cols - 1}, or the ignore index {ignoreIndex})");

        Tensor x = Contiguous();
        Tensor probs = Output([rows, cols]);   // softmax(x), kept for backward
        Tensor loss = Output([]);
        loss.Span[0] = CrossEntropyKernel.Forward(x.Span, t, probs.Span, rows, cols, ignoreIndex);
        return Record(op, loss, [x], dy =>
            CrossEntropyKernel.Backward(probs.Span, target.IntSpan, dy.Span[0], x.GradSpan(), rows, cols, ignoreIndex));
    }
}
