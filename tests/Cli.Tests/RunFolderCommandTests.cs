using Pipelines.Onnx;
using Pipelines.Testing;
using Xunit;

namespace Pipelines.Cli.Tests;

/// <summary>Output folders through the commands: one writer at a time, sets swapped in whole, leftovers of killed runs cleaned.</summary>
public class RunFolderCommandTests
{
    private const int DeadPid = 99999999; // above every pid_max: no such process

    public static TheoryData<string[]> Writers => new()
    {
        new[] { "lora", "init", "--model", MiniLm.Files.ModelPath, "--rank", "2", "--targets", "layers:0" },
        new[] { "lora", "train", "--train", "train.txt", "--max-steps", "1" },
        new[] { "export", "--model", MiniLm.Files.ModelPath, "--quantize", "none", "--no-report" },
        new[] { "graph", "train", "--data", "." }, // the lock is taken before the data is read
    };

    [Theory]
    [MemberData(nameof(Writers))]
    public void SecondWriter_OnAHeldFolder_FailsNamingTheHoldersPid(string[] command)
    {
        using var dir = new TempDirectory();
        string target = dir.File("out");
        using FolderLock held = FolderLock.Acquire(target, "lora train");
        (int code, _, string err) = CliHarness.Run([.. command, "--out", target]);
        Assert.Equal(1, code);
        Assert.Contains($"is being written by process {Environment.ProcessId} (lora train, started", err, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("graph", "train", "--data", ".")]
    [InlineData("lora", "train", "--train", "train.txt")]
    public void CheckpointSeconds_Negative_IsBadUsage(params string[] command)
    {
        using var dir = new TempDirectory();
        (int code, _, string err) = CliHarness.Run([.. command, "--checkpoint-seconds", "-5", "--out", dir.File("out")]);
        Assert.Equal(2, code);
        Assert.Contains("--checkpoint-seconds -5", err, StringComparison.Ordinal);
    }

    [Fact]
    public void LoraInit_KilledMidWrite_LeavesTheOldCompleteSet_AndTheNextRunCleansUp()
    {
        using var dir = new TempDirectory();
        string target = dir.File("init");
        (int code, _, string err) = CliHarness.Run("lora", "init", "--model", MiniLm.Files.ModelPath, "--rank", "2", "--targets", "layers:0", "--out", target);
        Assert.True(code == 0, err);
        ModelManifest old = ModelFolder.Open(target).Manifest!;

        // A second lora init killed before its swap: part of the new set in the staging sibling, a half-written file.
        string staging = dir.File($".init.{DeadPid}.{Guid.NewGuid():N}.tmp");
        Directory.CreateDirectory(staging);
        File.WriteAllBytes(Path.Combine(staging, ModelFolder.ModelFileName), File.ReadAllBytes(Path.Combine(target, ModelFolder.ModelFileName))[..1000]);
        File.WriteAllText(Path.Combine(target, $".adapter_model.safetensors.{DeadPid}.{Guid.NewGuid():N}.tmp"), "half");
        Assert.Equal(old.Files, ModelFolder.Open(target).Manifest!.Files); // hashes verified: the old complete set

        // Killed inside a swap: the old set aside, not yet replaced.
        Directory.Move(target, dir.File($".init.{DeadPid}.{Guid.NewGuid():N}.old"));
        (code, _, err) = CliHarness.Run("lora", "init", "--model", MiniLm.Files.ModelPath, "--rank", "3", "--targets", "layers:0", "--out", target);
        Assert.True(code == 0, err);
        Assert.Contains("restored", err, StringComparison.Ordinal);
        Assert.Contains("unfinished set", err, StringComparison.Ordinal);
        Assert.Contains("unfinished write", err, StringComparison.Ordinal);
        Assert.Equal(3, ModelFolder.Open(target).Manifest!.Adapters!.Rank);
        Assert.Equal(["init"], Directory.GetFileSystemEntries(dir.Path).Select(Path.GetFileName));
        Assert.DoesNotContain(Directory.GetFiles(target), f => f.EndsWith(".tmp", StringComparison.Ordinal));
    }
}
