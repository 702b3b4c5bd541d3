using Nabla.Models;
using Nabla.Optim;
using Nabla.Tensors;
using TorchSharp;
using static TorchSharp.torch;
using Tensor = Nabla.Tensors.Tensor;
using TT = TorchSharp.torch.Tensor;
using Generator = Nabla.Tensors.Generator;

namespace Nabla.Benchmarks;

/// <summary>
/// "gpt --profile": where a GPT training iteration's time goes, part by part. Each part of the first block
/// (LayerNorm, the whole attention, the fused attention alone, the MLP, GELU alone), the head with the loss,
/// and one AdamW step run alone at the recipe's shapes, forward then backward of a fixed output gradient,
/// in Nabla and in libtorch on the same weights, one after the other; the last column is Nabla's processor
/// time per call (all threads), steadier than the wall clock on a machine shared with other jobs. A block's parts add up to less than
/// "whole block" by the residual adds and the gradients' fan-in.
/// </summary>
internal static class GptProfile
{
    public static void Run(string name, Gpt model, AdamW optimizer, Dictionary<string, TorchSharp.Modules.Parameter> weights,
        optim.Optimizer tOptimizer, Action nablaGrads, Action torchGrads, int B, double seconds)
    {
        GptConfig c = model.Config;
        int T = c.BlockSize, C = c.NEmbd, nh = c.NHead, hs = C / nh;
        GptBlock block = model.Transformer.Blocks.First();
        var g = new Generator(5);
        Tensor x = Tensor.Randn([B, T, C], g).RequireGrad();
        Tensor dy = Tensor.Randn([B, T, C], g);
        TT tx = torch.tensor(x.ToArray(), [B, T, C]).requires_grad_(true);
        TT tdy = torch.tensor(dy.ToArray(), [B, T, C]);
        Tensor q = Tensor.Randn([B, nh, T, hs], g).RequireGrad(), k = Tensor.Randn([B, nh, T, hs], g).RequireGrad(), v = Tensor.Randn([B, nh, T, hs], g).RequireGrad();
        Tensor dq = Tensor.Randn([B, nh, T, hs], g);
        TT tq = torch.tensor(q.ToArray(), [B, nh, T, hs]).requires_grad_(true), tk = torch.tensor(k.ToArray(), [B, nh, T, hs]).requires_grad_(true),
            tv = torch.tensor(v.ToArray(), [B, nh, T, hs]).requires_grad_(true), tdq = torch.tensor(dq.ToArray(), [B, nh, T, hs]);
        Tensor h4 = Tensor.Randn([B, T, 4 * C], g).RequireGrad(), dh4 = Tensor.Randn([B, T, 4 * C], g);
        TT th4 = torch.tensor(h4.ToArray(), [B, T, 4 * C]).requires_grad_(true), tdh4 = torch.tensor(dh4.ToArray(), [B, T, 4 * C]);
        Tensor targets = Tensor.RandInt(0, c.VocabSize, [B * T], g);
        TT ttargets = torch.tensor(targets.ToIntArray().Select(t => (long)t).ToArray(), [B * T]);

        Console.WriteLine($"{name}: per part, forward + backward at (B, T, C) = ({B}, {T}, {C}), median ms");
        Console.WriteLine($"  {"part",-30} {"Nabla ms",9} {"torch ms",9} {"Nabla/torch",12} {"Nabla CPU ms",13}");
        void Part(string part, Action nabla, Action torchPart)
        {
            int runs = 0;
            TimeSpan cpu = System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime;
            double n = Measure.MedianSeconds(() => { using var s = new TensorScope(); nabla(); runs++; }, warmup: 1, minRuns: 3, minSeconds: seconds);
            double nCpu = (System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMilliseconds / runs;
            double t = Measure.MedianSeconds(() => { using var s = NewDisposeScope(); torchPart(); }, warmup: 1, minRuns: 3, minSeconds: seconds);
            Console.WriteLine($"  {part,-30} {n * 1e3,9:F2} {t * 1e3,9:F2} {n / t,11:F2}x {nCpu,13:F2}");
        }
        void Clear() { x.ZeroGrad(); q.ZeroGrad(); k.ZeroGrad(); v.ZeroGrad(); h4.ZeroGrad(); }
        void TClear() { tx.grad?.zero_(); tq.grad?.zero_(); tk.grad?.zero_(); tv.grad?.zero_(); th4.grad?.zero_(); }
        string l0 = "transformer.h.0";
        TT W(string n) => weights[n];

        Part("LayerNorm", () => { block.Ln1.Forward(x).Backward(dy); Clear(); },
            () => { nn.functional.layer_norm(tx, [C], W(l0 + ".ln_1.weight")).backward([tdy]); TClear(); });
        Part("attention c_attn … c_proj", () => { block.Attn.Forward(x).Backward(dy); Clear(); },
            () => { TorchAttention(tx, W(l0 + ".attn.c_attn.weight"), W(l0 + ".attn.c_proj.weight"), nh).backward([tdy]); TClear(); });
        Part("  fused attention alone", () => { Tensor.ScaledDotProductAttention(q, k, v, causal: true).Backward(dq); Clear(); },
            () => { nn.functional.scaled_dot_product_attention(tq, tk, tv, null, 0.0, true).backward([tdq]); TClear(); });
        Part("  fused attention forward", () => { using (Tensor.NoGrad()) Tensor.ScaledDotProductAttention(q, k, v, causal: true); },
            () => { using (torch.no_grad()) nn.functional.scaled_dot_product_attention(tq, tk, tv, null, 0.0, true); });
        Part("MLP c_fc, GELU, c_proj", () => { block.Mlp.Forward(x).Backward(dy); Clear(); },
            () => { nn.functional.linear(nn.functional.gelu(nn.functional.linear(tx, W(l0 + ".mlp.c_fc.weight"))), W(l0 + ".mlp.c_proj.weight")).backward([tdy]); TClear(); });
        Part("  GELU alone", () => { block.Mlp.Gelu.Forward(h4).Backward(dh4); Clear(); },
            () => { nn.functional.gelu(th4).backward([tdh4]); TClear(); });
        Part("residual add", () => { (x + x).Backward(dy); Clear(); }, () => { (tx + tx).backward([tdy]); TClear(); });
        Part("whole block", () => { block.Forward(x).Backward(dy); Clear(); },
            () => { TorchBlock(tx, weights, l0, nh).backward([tdy]); TClear(); });
        Part("ln_f, head, cross-entropy", () => { model.Head(model.Transformer.LnF.Forward(x)).Reshape(B * T, c.VocabSize).CrossEntropy(targets).Backward(); Clear(); },
            () => { nn.functional.cross_entropy(nn.functional.linear(nn.functional.layer_norm(tx, [C], W("transformer.ln_f.weight")), W("transformer.wte.weight")).view(B * T, c.VocabSize), ttargets).backward(); TClear(); });
        nablaGrads();
        torchGrads();
        Part("AdamW step", optimizer.Step, () => tOptimizer.step());
        Part("zero grad", optimizer.ZeroGrad, () => tOptimizer.zero_grad());
    }

    private static TT TorchAttention(TT x, TT cAttn, TT cProj, long nh)
    {
        long B = x.shape[0], T = x.shape[1], C = x.shape[2], hs = C / nh;
        TT Heads(TT z) => z.view(B, T, nh, hs).transpose(1, 2);
        TT[] qkv = nn.functional.linear(x, cAttn).split(C, 2);
        TT y = nn.functional.scaled_dot_product_attention(Heads(qkv[0]), Heads(qkv[1]), Heads(qkv[2]), null, 0.0, true);
        return nn.functional.linear(y.transpose(1, 2).contiguous().view(B, T, C), cProj);
    }

    private static TT TorchBlock(TT x, Dictionary<string, TorchSharp.Modules.Parameter> w, string h, long nh)
    {
        long C = x.shape[2];
        TT Norm(TT z, string n) => nn.functional.layer_norm(z, [C], w[n + ".weight"]);
        x = x + TorchAttention(Norm(x, h + ".ln_1"), w[h + ".attn.c_attn.weight"], w[h + ".attn.c_proj.weight"], nh);
        return x + nn.functional.linear(nn.functional.gelu(nn.functional.linear(Norm(x, h + ".ln_2"), w[h + ".mlp.c_fc.weight"])), w[h + ".mlp.c_proj.weight"]);
    }
}
