"""The math and the network, in numpy alone.

``functional`` holds the activations, SoftMax and cross-entropy; ``network`` the network with a
plain textbook backpropagation; ``engine`` the fast batch engine that training uses, tested against
it; ``optim`` the optimisers; ``train`` the training loop. Nothing here imports the rest of the
package, scikit-learn, matplotlib or click.
"""
