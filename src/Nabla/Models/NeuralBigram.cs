using Nabla.Tensors;

namespace Nabla.Models;

/// <summary>
/// The bigram as a neural network (makemore, lecture 1, second half): one linear layer without bias from the
/// one-hot previous character to 27 logits, softmax, and the negative log likelihood of the next character.
/// <code>
/// xenc   = one_hot(x, V)            (B, V)
/// logits = xenc @ W                 (B, V)   "log-counts"
/// probs  = softmax(logits)          (B, V)   exp, then each row divided by its sum
/// loss   = −mean(log probs[i, y_i]) + 0.01 · mean(W²)
/// </code>
/// Trained by full-batch gradient descent at learning rate 50 it reaches the counting model's loss (2.45 on
/// names.txt): exp(W) plays the role of the count table, and the regularization term pulls W towards 0, that is
/// towards uniform rows, as smoothing does.
/// </summary>
public sealed class NeuralBigram : CharModel
{
    /// <summary>The lecture's strength of the pull of W towards zero.</summary>
    public const float LectureRegularization = 0.01f;

    /// <summary>The lecture's learning rate for full-batch gradient descent.</summary>
    public const float LectureLearningRate = 50f;

    /// <summary>W [V, V]: row a holds the logits of the character after a.</summary>
    public Tensor Weight { get; }

    public float Regularization { get; }

    public override bool PredictsEveryPosition => false;

    /// <summary>W drawn from N(0, 1) as the lecture's <c>torch.randn((27, 27))</c>.</summary>
    public NeuralBigram(int vocabularySize, Generator generator, float regularization = LectureRegularization)
        : base(vocabularySize, blockSize: 1)
    {
        if (!(regularization >= 0f)) throw new ArgumentException($"NeuralBigram: regularization must be ≥ 0, got {regularization}");
        Regularization = regularization;
        Weight = Parameter("weight", Tensor.Randn([vocabularySize, vocabularySize], generator));
    }

    /// <summary>X [B, 1] int32 → logits [B, V].</summary>
    public override Tensor Forward(Tensor x)
    {
        if (x.Rank != 2 || x.Size(1) != 1)
            throw new ArgumentException($"NeuralBigram: input must be [B, 1] token ids, got {Shapes.Format(x.Shape)}");
        // one_hot(x) @ W multiplies W by a row with a single 1: it picks row x of W. Indexing picks the same
        // numbers (exactly) without building the (B, V) one-hot matrix and its V multiplications per logit.
        return Weight[x.Reshape(x.Size(0))];
    }

    /// <summary>The lecture's training loss: the NLL of <paramref name="targets"/> plus Regularization · mean(W²).</summary>
    public override Tensor Loss(Tensor contexts, Tensor targets) =>
        NegativeLogLikelihood(contexts, targets) + Regularization * Weight.Pow(2f).Mean();

    /// <summary>
    /// The lecture's training: <paramref name="steps"/> steps of gradient descent on the whole of the examples
    /// (loss, backward, W −= lr · ∂loss/∂W). Returns the loss before each step.
    /// </summary>
    public List<float> GradientDescent(Tensor contexts, Tensor targets, int steps, float learningRate = LectureLearningRate)
    {
        if (steps < 1) throw new ArgumentException($"NeuralBigram.GradientDescent: steps must be ≥ 1, got {steps}");
        if (!(learningRate > 0f)) throw new ArgumentException($"NeuralBigram.GradientDescent: learning rate must be positive, got {learningRate}");
        Train();
        var losses = new List<float>(steps);
        for (int step = 0; step < steps; step++)
        {
            using var scope = new TensorScope();
            Tensor loss = Loss(contexts, targets);
            ZeroGrad();
            loss.Backward();
            losses.Add(loss.Item());
            using (Tensor.NoGrad()) Weight.AddInPlace(Weight.Grad!, -learningRate);
        }
        return losses;
    }
}
