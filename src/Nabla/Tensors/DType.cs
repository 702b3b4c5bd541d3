namespace Nabla.Tensors;

/// <summary>
/// The element type of a tensor. Every differentiable tensor is <see cref="Float32"/>.
/// <see cref="Int32"/> is the one rule for integer data: class indices, token ids, gather/embedding
/// indices, argmax results and sampled tokens are all int32 tensors (a vocabulary never needs more).
/// </summary>
public enum DType
{
    Float32,
    Int32,
}
