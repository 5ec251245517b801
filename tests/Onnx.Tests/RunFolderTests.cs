using Pipelines.Testing;
using Xunit;

namespace Pipelines.Onnx.Tests;

/// <summary>Output folders: the writer's lock (<see cref="FolderLock"/>) and sets swapped in whole (<see cref="StagedFolder"/>).</summary>
public class RunFolderTests
{
    private const int DeadPid = 99999999; // above every pid_max: no such process

    [Fact]
    public void FolderLock_SecondWriter_FailsNamingTheFirstsPidAndCommand()
    {
        using var dir = new TempDirectory();
        using (FolderLock held = FolderLock.Acquire(dir.Path, "lora train"))
        {
            Assert.Empty(held.Warnings);
            PipelinesException e = Assert.Throws<PipelinesException>(() => FolderLock.Acquire(dir.Path, "export"));
            Assert.Equal(ErrorKind.Resource, e.Kind);
            Assert.Contains($"process {Environment.ProcessId} (lora train", e.Message, StringComparison.Ordinal);
            Assert.Contains(dir.Path, e.Message, StringComparison.Ordinal);
        }

        // released: the next writer gets it without a warning; the holder information is gone, the lock file stays
        Assert.False(File.Exists(dir.File(FolderLock.InfoFileName)));
        using FolderLock again = FolderLock.Acquire(dir.Path, "export");
        Assert.Empty(again.Warnings);
    }

    [Fact]
    public void FolderLock_LeftByAKilledRun_IsTakenOverWithAWarning()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File(FolderLock.FileName), "");
        File.WriteAllText(dir.File(FolderLock.InfoFileName), $"pid={DeadPid}\ncommand=lora init\nstarted=2026-01-01T00:00:00Z\n");
        using FolderLock held = FolderLock.Acquire(dir.Path, "lora init");
        string warning = Assert.Single(held.Warnings);
        Assert.Contains($"process {DeadPid} (lora init, started 2026-01-01T00:00:00Z)", warning, StringComparison.Ordinal);
        Assert.Contains($"pid={Environment.ProcessId}", File.ReadAllText(dir.File(FolderLock.InfoFileName)), StringComparison.Ordinal);
    }

    [Fact]
    public void StagedFolder_Commit_ReplacesTheSet_AndCarriesOverOtherEntries()
    {
        using var dir = new TempDirectory();
        string target = dir.File("out");
        WriteSet(target, "old");
        Directory.CreateDirectory(Path.Combine(target, "checkpoint"));
        File.WriteAllText(Path.Combine(target, "checkpoint", "state.bin"), "state");
        using (FolderLock held = FolderLock.Acquire(target, "test"))
        {
            using StagedFolder staged = StagedFolder.Create(target);
            WriteSet(staged.Directory, "new");
            staged.Commit();

            Assert.Equal("new", File.ReadAllText(ModelFolder.Open(target).ModelPath));
            Assert.Equal("state", File.ReadAllText(Path.Combine(target, "checkpoint", "state.bin")));
            Assert.True(File.Exists(Path.Combine(target, FolderLock.InfoFileName)));

            // the lock moved with the folder: it is still held
            Assert.Throws<PipelinesException>(() => FolderLock.Acquire(target, "second"));
        }

        Assert.Equal(["out"], Directory.GetFileSystemEntries(dir.Path).Select(Path.GetFileName));
    }

    [Fact]
    public void StagedFolder_KilledBeforeTheSwap_LeavesTheOldSet_AndTheNextWriterRemovesTheRest()
    {
        using var dir = new TempDirectory();
        string target = dir.File("out");
        WriteSet(target, "old");
        var staged = StagedFolder.Create(target);
        File.WriteAllText(Path.Combine(staged.Directory, ModelFolder.ModelFileName), "half of the new mod"); // killed here
        File.WriteAllText(Path.Combine(target, $".model.onnx.{DeadPid}.{Guid.NewGuid():N}.tmp"), "half a file");

        Assert.Equal("old", File.ReadAllText(ModelFolder.Open(target).ModelPath));
        IReadOnlyList<string> cleaned = StagedFolder.CleanStale(target, _ => false);
        Assert.Equal(2, cleaned.Count);
        Assert.Contains(cleaned, l => l.Contains("unfinished set", StringComparison.Ordinal));
        Assert.Contains(cleaned, l => l.Contains("unfinished write", StringComparison.Ordinal));
        Assert.Equal(["out"], Directory.GetFileSystemEntries(dir.Path).Select(Path.GetFileName));
        Assert.Equal("old", File.ReadAllText(ModelFolder.Open(target).ModelPath));
    }

    [Fact]
    public void StagedFolder_KilledInsideTheSwap_IsRestoredByTheNextWriter()
    {
        using var dir = new TempDirectory();
        string target = dir.File("out");
        WriteSet(target, "old");
        File.WriteAllText(Path.Combine(target, "metrics.json"), "{}");

        // killed between the two renames: the old set is aside, the new one not yet in place
        string guid = Guid.NewGuid().ToString("N");
        Directory.Move(target, dir.File($".out.{DeadPid}.{guid}.old"));
        WriteSet(dir.File($".out.{DeadPid}.{Guid.NewGuid():N}.tmp"), "new");

        using FolderLock held = FolderLock.Acquire(target, "test");
        Assert.Equal(2, held.Warnings.Count);
        Assert.Contains(held.Warnings, l => l.Contains("restored", StringComparison.Ordinal));
        Assert.Equal("old", File.ReadAllText(ModelFolder.Open(target).ModelPath));
        Assert.True(File.Exists(Path.Combine(target, "metrics.json")));
        Assert.Equal(["out"], Directory.GetFileSystemEntries(dir.Path).Select(Path.GetFileName));
    }

    [Fact]
    public void StagedFolder_LeftoversOfARunningProcess_AreOnlyNamed()
    {
        using var dir = new TempDirectory();
        string target = dir.File("out");
        WriteSet(target, "old");
        using StagedFolder staged = StagedFolder.Create(target);
        string line = Assert.Single(StagedFolder.CleanStale(target));
        Assert.Contains("still running", line, StringComparison.Ordinal);
        Assert.True(Directory.Exists(staged.Directory));
    }

    [Fact]
    public void StagedFolder_FileByFileFallback_ReplacesTheSetManifestLast()
    {
        using var dir = new TempDirectory();
        string target = dir.File("out");
        WriteSet(target, "old");
        File.WriteAllText(Path.Combine(target, "metrics.json"), "{}");
        string staging = dir.File("staging");
        WriteSet(staging, "new");
        StagedFolder.ReplaceFileByFile(staging, target);
        Assert.Equal("new", File.ReadAllText(ModelFolder.Open(target).ModelPath));
        Assert.True(File.Exists(Path.Combine(target, "metrics.json")));
        Assert.Empty(Directory.GetFileSystemEntries(staging));
    }

    [Fact]
    public void StagedFolder_Commit_NeverLetsASecondWriterIn()
    {
        // A second writer retrying without pause through 100 swaps must be refused every time: the folder and its lock
        // exist at every instant of a swap (one atomic exchange on Linux, the lock file hard-linked into the new set).
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        using var dir = new TempDirectory();
        string target = dir.File("out");
        WriteSet(target, "v0");
        int admitted = 0;
        var unexpected = new List<string>();
        using var stop = new CancellationTokenSource();
        using (FolderLock held = FolderLock.Acquire(target, "test"))
        {
            var second = new Thread(() =>
            {
                while (!stop.IsCancellationRequested)
                {
                    try
                    {
                        using FolderLock intruder = FolderLock.Acquire(target, "intruder");
                        Interlocked.Increment(ref admitted);
                    }
                    catch (PipelinesException e) when (e.Kind == ErrorKind.Resource)
                    {
                        // refused, as it must be
                    }
                    catch (Exception e)
                    {
                        lock (unexpected)
                        {
                            unexpected.Add(e.GetType().Name + ": " + e.Message);
                        }
                    }
                }
            });
            second.Start();
            for (int i = 1; i <= 100; i++)
            {
                using StagedFolder staged = StagedFolder.Create(target);
                WriteSet(staged.Directory, "v" + i);
                staged.Commit();
            }

            stop.Cancel();
            second.Join();
            Assert.Equal("v100", File.ReadAllText(ModelFolder.Open(target).ModelPath));
        }

        Assert.Equal(0, admitted);
        Assert.Empty(unexpected);
        Assert.Equal(["out"], Directory.GetFileSystemEntries(dir.Path).Select(Path.GetFileName));
    }

    [Fact]
    public void StagedFolder_KilledRightAfterTheExchange_IsCompletedByTheNextWriter()
    {
        using var dir = new TempDirectory();
        string target = dir.File("out");

        // killed between the exchange and the rename to .old: the new set is in place, the old one (marked) sits under
        // the staging name with the entries the new set lacks
        WriteSet(target, "new");
        string staging = dir.File($".out.{DeadPid}.{Guid.NewGuid():N}.tmp");
        WriteSet(staging, "old");
        File.WriteAllText(Path.Combine(staging, "metrics.json"), "{}");
        File.WriteAllBytes(Path.Combine(staging, ".pipelines.swapped"), []);

        using FolderLock held = FolderLock.Acquire(target, "test");
        Assert.Contains(held.Warnings, l => l.Contains("restored", StringComparison.Ordinal));
        Assert.Equal("new", File.ReadAllText(ModelFolder.Open(target).ModelPath));
        Assert.True(File.Exists(Path.Combine(target, "metrics.json")));
        Assert.False(File.Exists(Path.Combine(target, ".pipelines.swapped")));
        Assert.Equal(["out"], Directory.GetFileSystemEntries(dir.Path).Select(Path.GetFileName));
    }

    [Fact]
    public void StagedFolder_KilledBeforeTheExchange_LeavesAStrayMarker_ThatTheNextWriterRemoves()
    {
        using var dir = new TempDirectory();
        string target = dir.File("out");
        WriteSet(target, "old");
        File.WriteAllBytes(Path.Combine(target, ".pipelines.swapped"), []);
        WriteSet(dir.File($".out.{DeadPid}.{Guid.NewGuid():N}.tmp"), "new");

        using FolderLock held = FolderLock.Acquire(target, "test");
        Assert.Contains(held.Warnings, l => l.Contains("unfinished set", StringComparison.Ordinal));
        Assert.Equal("old", File.ReadAllText(ModelFolder.Open(target).ModelPath));
        Assert.False(File.Exists(Path.Combine(target, ".pipelines.swapped")));
        Assert.Equal(["out"], Directory.GetFileSystemEntries(dir.Path).Select(Path.GetFileName));
    }

    /// <summary>A two-file set: model.onnx (text standing in for a model) and its manifest.</summary>
    private static void WriteSet(string folder, string content)
    {
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, ModelFolder.ModelFileName), content);
        ModelFolder.Write(folder, new ModelManifest { Producer = "test", Files = new Dictionary<string, string> { [ModelFolder.ModelFileName] = "" } });
    }
}
